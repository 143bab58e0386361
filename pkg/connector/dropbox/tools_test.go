package dropbox_test

import (
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/mcpgate/mcpgate/pkg/connector/dropbox"
	"github.com/mcpgate/mcpgate/pkg/connector/dropbox/dropboxfake"
)

func TestToolsAnswerFromDropbox(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, tool, args string
		want, omit       []string
	}{
		{"list_folder lists the root by default", "list_folder", `{}`,
			[]string{"Folder /: 5 entries:\n[folder] /Documents/\n[folder] /Empty/\n[folder] /logs/\n[folder] /Photos/\n[file] /Résumé.txt · 35 bytes · modified 2024-05-01 10:00Z\n"},
			[]string{"More:", "notes.txt"}},
		{"list_folder takes / for the root", "list_folder", `{"path":"/"}`, []string{"Folder /: 5 entries"}, nil},
		{"list_folder lists a folder", "list_folder", `{"path":"Documents/"}`,
			[]string{"Folder /Documents: 4 entries:", "[file] /Documents/Design.paper · 14 bytes · modified 2024-05-01 10:00Z · not downloadable",
				"[file] /Documents/notes.txt · 50 bytes", "[folder] /Documents/Reports/"},
			[]string{"q1.csv"}},
		{"list_folder recursively", "list_folder", `{"path":"/Documents","recursive":true}`,
			[]string{"Folder /Documents, recursively: 5 entries:", "[file] /Documents/Reports/q1.csv · 23 bytes"}, nil},
		{"list_folder of an empty folder", "list_folder", `{"path":"/Empty"}`, []string{"Folder /Empty: 0 entries:\n"}, nil},
		{"search by name and content", "search", `{"query":"notes"}`,
			[]string{"1 match for \"notes\":\n[file] /Documents/notes.txt · 50 bytes"}, []string{"More matches"}},
		{"search under a path", "search", `{"query":"PLAN","path":"/Documents"}`,
			[]string{"1 match for \"PLAN\" under /Documents:", "/Documents/Plan 2024.md"}, nil},
		{"search file content", "search", `{"query":"systems nominal"}`, []string{"/logs/big.log · 250.0 KiB"}, nil},
		{"search says there are more", "search", `{"query":"e","max_results":2}`,
			[]string{"2 matches for \"e\"", "More matches exist: narrow the query"}, nil},
		{"read_file shows a text file", "read_file", `{"path":"/Documents/notes.txt"}`,
			[]string{"File /Documents/notes.txt (50 bytes, modified 2024-05-01 10:00Z, rev ", "):\n\nMeeting notes\n- ship the gateway\n- write the docs\n"}, nil},
		{"read_file with a non-ASCII path", "read_file", `{"path":"/Résumé.txt"}`, []string{"Curriculum vitae – Alice Liddell"}, nil},
		{"read_file keeps UTF-8 text", "read_file", `{"path":"Documents/Plan 2024.md"}`, []string{"Grow the user base. Café ☕ included."}, nil},
		{"read_file cuts a long file", "read_file", `{"path":"/logs/big.log"}`,
			[]string{"File /logs/big.log (250.0 KiB", "line 00001: all systems nominal", "[truncated: the file is 256000 bytes; showing the first "},
			[]string{"line 08000"}},
		{"create_shared_link makes a link", "create_shared_link", `{"path":"/Documents/notes.txt"}`,
			[]string{"Shared link for /Documents/notes.txt (new): https://www.dropbox.com/scl/fi/", "Access: anyone with the link can view."}, nil},
		{"create_shared_link returns an existing link", "create_shared_link", `{"path":"/Photos/cat.jpg"}`,
			[]string{"Shared link for /Photos/cat.jpg (it already existed): https://www.dropbox.com/scl/fi/fakecat0001/cat.jpg?rlkey=seeded&dl=0", "Access: anyone"}, nil},
		{"create_shared_link shares a folder", "create_shared_link", `{"path":"/Documents/Reports"}`,
			[]string{"(new): https://www.dropbox.com/scl/fo/"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, up := newFake(t)
			got, err := call(t, up, tt.tool, tt.args)
			if err != nil {
				t.Fatalf("%s(%s): %v", tt.tool, tt.args, err)
			}
			assertContains(t, got, tt.want...)
			assertOmits(t, got, tt.omit...)
		})
	}
}

func TestListFolderContinuesWithItsCursor(t *testing.T) {
	t.Parallel()
	_, up := newFake(t)
	first, err := call(t, up, "list_folder", `{"limit":3}`)
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`More: call list_folder again with only cursor="([^"]+)"`).FindStringSubmatch(first)
	if m == nil {
		t.Fatalf("no cursor in:\n%s", first)
	}
	assertContains(t, first, "3 entries", "/Documents/", "/logs/")
	rest, err := call(t, up, "list_folder", `{"cursor":"`+m[1]+`"}`)
	if err != nil {
		t.Fatal(err)
	}
	assertContains(t, rest, "Folder listing, continued: 2 entries:", "/Photos/", "/Résumé.txt")
	assertOmits(t, rest, "More:", "/Documents/")
}

func TestReadFileRefusesWhatIsNotText(t *testing.T) {
	t.Parallel()
	fake, up := newFake(t)
	fake.AddFile("/Docs/utf16.txt", []byte("\xff\xfeh\x00i\x00"))
	fake.AddFile("/Docs/latin1.txt", []byte("caf\xe9 au lait"))
	tests := []struct{ path, want string }{
		{"/Photos/cat.jpg", "/Photos/cat.jpg is not a text file (22 bytes, image/jpeg); read_file returns text only — create_shared_link"},
		{"/Docs/utf16.txt", "/Docs/utf16.txt is not a text file"},
		{"/Docs/latin1.txt", "/Docs/latin1.txt is not a text file"},
		{"/Documents/Design.paper", "this file cannot be downloaded as is"},
		{"/Documents", "the path is a folder, not a file; list it with list_folder"},
	}
	for _, tt := range tests {
		_, err := call(t, up, "read_file", `{"path":"`+tt.path+`"}`)
		assertContains(t, errText(err), tt.want)
	}
}

func TestReadFileFitsTheResultBudget(t *testing.T) {
	t.Parallel()
	fake, up := newFake(t)
	fake.AddFile("/multi.txt", []byte(strings.Repeat("ü", 500)))
	up.MaxResultBytes = 300
	got, err := call(t, up, "read_file", `{"path":"/multi.txt"}`)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) > 300 || !strings.Contains(got, "[truncated: the file is 1000 bytes; showing the first ") {
		t.Errorf("got %d bytes:\n%s", len(got), got)
	}
	if strings.Contains(got, "\ufffd") {
		t.Errorf("a character was cut in half:\n%s", got)
	}
}

func TestUploadText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, args, want, stored, content string
	}{
		{"a new file", `{"path":"/Documents/new.txt","text":"hello"}`, "Uploaded /Documents/new.txt (5 bytes, rev ", "/Documents/new.txt", "hello"},
		{"into new folders with a non-ASCII name", `{"path":"/Notizen/Übersicht ✓.md","text":"# Ü"}`, "Uploaded /Notizen/Übersicht ✓.md (4 bytes", "/notizen/übersicht ✓.md", "# Ü"},
		{"the same content again", `{"path":"/Documents/notes.txt","text":"Meeting notes\n- ship the gateway\n- write the docs\n"}`, "Uploaded /Documents/notes.txt (50 bytes", "", ""},
		{"with autorename", `{"path":"/Documents/notes.txt","text":"other","autorename":true}`,
			"A file already existed at /Documents/notes.txt, so Dropbox saved this one as /Documents/notes (1).txt.", "/Documents/notes (1).txt", "other"},
		{"overwriting", `{"path":"/Documents/notes.txt","text":"replaced","mode":"overwrite"}`, "Uploaded /Documents/notes.txt (8 bytes", "/Documents/notes.txt", "replaced"},
		{"an empty file", `{"path":"/empty.txt","text":""}`, "Uploaded /empty.txt (0 bytes", "/empty.txt", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fake, up := newFake(t)
			got, err := call(t, up, "upload_text", tt.args)
			if err != nil {
				t.Fatal(err)
			}
			assertContains(t, got, tt.want)
			if tt.stored != "" {
				if b, ok := fake.File(tt.stored); !ok || string(b) != tt.content {
					t.Errorf("stored %s = %q, %v; want %q", tt.stored, b, ok, tt.content)
				}
			}
		})
	}
}

func TestUploadConflictsAreExplained(t *testing.T) {
	t.Parallel()
	fake, up := newFake(t)
	_, err := call(t, up, "upload_text", `{"path":"/Documents/notes.txt","text":"different"}`)
	assertContains(t, errText(err), `files/upload: a file already exists at that path; pass mode "overwrite" to replace it, or autorename true`)
	_, err = call(t, up, "upload_text", `{"path":"/Documents/Reports","text":"x"}`)
	assertContains(t, errText(err), "a folder already exists at that path")
	_, err = call(t, up, "upload_text", `{"path":"/Documents/notes.txt/inner.txt","text":"x"}`)
	assertContains(t, errText(err), "a file already exists at that path")
	if b, _ := fake.File("/Documents/notes.txt"); !strings.HasPrefix(string(b), "Meeting notes") {
		t.Errorf("a refused upload changed the file: %q", b)
	}
}

func TestExistingLinkWithoutMetadataIsListed(t *testing.T) {
	t.Parallel()
	_, up := newFake(t, dropboxfake.WithoutLinkMetadata())
	got, err := call(t, up, "create_shared_link", `{"path":"/Photos/cat.jpg"}`)
	if err != nil {
		t.Fatal(err)
	}
	assertContains(t, got, "(it already existed): https://www.dropbox.com/scl/fi/fakecat0001/cat.jpg?rlkey=seeded&dl=0")
}

func TestMissingPathsAreNotFound(t *testing.T) {
	t.Parallel()
	for tool, args := range map[string]string{
		"list_folder":        `{"path":"/nope"}`,
		"search":             `{"query":"x","path":"/nope"}`,
		"read_file":          `{"path":"/nope.txt"}`,
		"create_shared_link": `{"path":"/nope.txt"}`,
	} {
		t.Run(tool, func(t *testing.T) {
			t.Parallel()
			_, up := newFake(t)
			_, err := call(t, up, tool, args)
			if !errors.Is(err, dropbox.ErrNotFound) {
				t.Fatalf("error = %v, want ErrNotFound", err)
			}
			assertContains(t, err.Error(), ": nothing found at that path (paths start with /")
		})
	}
	_, up := newFake(t)
	_, err := call(t, up, "list_folder", `{"path":"/Documents/notes.txt"}`)
	assertContains(t, errText(err), "files/list_folder: the path is a file, not a folder; read it with read_file")
}
