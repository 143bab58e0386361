package dropbox_test

import (
	"strings"
	"testing"

	"github.com/mcpgate/mcpgate/pkg/connector/connectortest"
)

// TestBadArgumentsAreRefusedBeforeAnyRequest checks that every argument
// problem is explained without calling Dropbox.
func TestBadArgumentsAreRefusedBeforeAnyRequest(t *testing.T) {
	t.Parallel()
	suite.CheckRefused(t, []connectortest.ArgCase{
		{Name: "not JSON", Tool: "list_folder", Args: `{"path":`, Want: "arguments are not valid JSON"},
		{Name: "not an object", Tool: "search", Args: `"notes"`, Want: "arguments must be a JSON object"},
		{Name: "unknown argument", Tool: "search", Args: `{"q":"notes"}`, Want: `unknown argument "q"`},
		{Name: "wrong type", Tool: "list_folder", Args: `{"recursive":"yes"}`, Want: "argument recursive must be true or false, not a string"},
		{Name: "limit too big", Tool: "list_folder", Args: `{"limit":2001}`, Want: "argument limit must be at most 2000"},
		{Name: "cursor with other arguments", Tool: "list_folder", Args: `{"cursor":"AAFxyz","path":"/Documents"}`, Want: "give cursor alone"},
		{Name: "cursor with control characters", Tool: "list_folder", Args: `{"cursor":"AAF\nxyz"}`, Want: "cursor is not one Dropbox gave out"},
		{Name: "dot-dot path", Tool: "list_folder", Args: `{"path":"/Documents/../Photos"}`, Want: `has an empty, "." or ".." part`},
		{Name: "double slash", Tool: "read_file", Args: `{"path":"/Documents//notes.txt"}`, Want: `has an empty, "." or ".." part`},
		{Name: "backslash", Tool: "read_file", Args: `{"path":"\\Documents\\notes.txt"}`, Want: "has characters Dropbox paths cannot contain"},
		{Name: "control character", Tool: "read_file", Args: `{"path":"/a\u0000b"}`, Want: "has characters Dropbox paths cannot contain"},
		{Name: "search without query", Tool: "search", Args: `{"query":"  "}`, Want: "query is required"},
		{Name: "search query too long", Tool: "search", Args: `{"query":"` + strings.Repeat("q", 1001) + `"}`, Want: "longer than Dropbox's 1000 characters"},
		{Name: "search max_results too big", Tool: "search", Args: `{"query":"a","max_results":5000}`, Want: "argument max_results must be at most 1000"},
		{Name: "read_file without path", Tool: "read_file", Args: `{}`, Want: "path is required"},
		{Name: "read_file of the root", Tool: "read_file", Args: `{"path":"/"}`, Want: "path is required"},
		{Name: "upload without text", Tool: "upload_text", Args: `{"path":"/a.txt"}`, Want: "text is required"},
		{Name: "upload without path", Tool: "upload_text", Args: `{"text":"x"}`, Want: "path is required"},
		{Name: "upload to an id", Tool: "upload_text", Args: `{"path":"id:abcdef","text":"x"}`, Want: "not an id: or rev: reference"},
		{Name: "upload with a bad mode", Tool: "upload_text", Args: `{"path":"/a.txt","text":"x","mode":"update"}`, Want: "argument mode must be one of add, overwrite"},
		{Name: "upload with overwrite and autorename", Tool: "upload_text", Args: `{"path":"/a.txt","text":"x","mode":"overwrite","autorename":true}`, Want: "autorename only applies to mode add"},
		{Name: "upload too big", Tool: "upload_text", Args: `{"path":"/a.txt","text":"` + strings.Repeat("x", 8<<20+1) + `"}`, Want: "upload_text takes at most 8.0 MiB"},
		{Name: "share without path", Tool: "create_shared_link", Args: `{}`, Want: "path is required"},
	})
}
