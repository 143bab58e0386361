package dropbox_test

import (
	"strings"
	"testing"
)

// TestBadArgumentsAreRefusedBeforeAnyRequest checks that every argument
// problem is explained without calling Dropbox.
func TestBadArgumentsAreRefusedBeforeAnyRequest(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, tool, args, want string }{
		{"not JSON", "list_folder", `{"path":`, "arguments are not valid JSON"},
		{"not an object", "search", `"notes"`, "arguments must be a JSON object"},
		{"unknown argument", "search", `{"q":"notes"}`, `unknown argument "q"`},
		{"wrong type", "list_folder", `{"recursive":"yes"}`, "argument recursive must be true or false, not string"},
		{"limit too big", "list_folder", `{"limit":2001}`, "limit must be between 1 and 2000"},
		{"cursor with other arguments", "list_folder", `{"cursor":"AAFxyz","path":"/Documents"}`, "give cursor alone"},
		{"cursor with control characters", "list_folder", `{"cursor":"AAF\nxyz"}`, "cursor is not one Dropbox gave out"},
		{"dot-dot path", "list_folder", `{"path":"/Documents/../Photos"}`, `has an empty, "." or ".." part`},
		{"double slash", "read_file", `{"path":"/Documents//notes.txt"}`, `has an empty, "." or ".." part`},
		{"backslash", "read_file", `{"path":"\\Documents\\notes.txt"}`, "has characters Dropbox paths cannot contain"},
		{"control character", "read_file", `{"path":"/a\u0000b"}`, "has characters Dropbox paths cannot contain"},
		{"search without query", "search", `{"query":"  "}`, "query is required"},
		{"search query too long", "search", `{"query":"` + strings.Repeat("q", 1001) + `"}`, "longer than Dropbox's 1000 characters"},
		{"search max_results too big", "search", `{"query":"a","max_results":5000}`, "max_results must be between 1 and 1000"},
		{"read_file without path", "read_file", `{}`, "path is required"},
		{"read_file of the root", "read_file", `{"path":"/"}`, "path is required"},
		{"upload without text", "upload_text", `{"path":"/a.txt"}`, "text is required"},
		{"upload without path", "upload_text", `{"text":"x"}`, "path is required"},
		{"upload to an id", "upload_text", `{"path":"id:abcdef","text":"x"}`, "not an id: or rev: reference"},
		{"upload with a bad mode", "upload_text", `{"path":"/a.txt","text":"x","mode":"update"}`, "mode must be add or overwrite"},
		{"upload with overwrite and autorename", "upload_text", `{"path":"/a.txt","text":"x","mode":"overwrite","autorename":true}`, "autorename only applies to mode add"},
		{"upload too big", "upload_text", `{"path":"/a.txt","text":"` + strings.Repeat("x", 8<<20+1) + `"}`, "upload_text takes at most 8.0 MiB"},
		{"share without path", "create_shared_link", `{}`, "path is required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fake, up := newFake(t)
			_, err := call(t, up, tt.tool, tt.args)
			assertContains(t, errText(err), tt.want)
			if n := fake.Requests(); n != 0 {
				t.Errorf("fake saw %d requests, want none", n)
			}
		})
	}
}
