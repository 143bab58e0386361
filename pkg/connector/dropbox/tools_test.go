package dropbox_test

import (
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/mcpgate/mcpgate/pkg/connector/connectortest"
	"github.com/mcpgate/mcpgate/pkg/connector/dropbox"
	"github.com/mcpgate/mcpgate/pkg/connector/dropbox/dropboxfake"
)

func TestToolsAnswerFromDropbox(t *testing.T) {
	t.Parallel()
	tests := []connectortest.ToolCase{
		{Name: "list_folder lists the root by default", Tool: "list_folder", Args: `{}`,
			Want: []string{"Folder /: 5 entries:\n[folder] /Documents/\n[folder] /Empty/\n[folder] /logs/\n[folder] /Photos/\n[file] /Résumé.txt · 35 bytes · modified 2024-05-01 10:00Z\n"},
			Omit: []string{"More:", "notes.txt"}},
		{Name: "list_folder takes / for the root", Tool: "list_folder", Args: `{"path":"/"}`, Want: []string{"Folder /: 5 entries"}},
		{Name: "list_folder lists a folder", Tool: "list_folder", Args: `{"path":"Documents/"}`,
			Want: []string{"Folder /Documents: 4 entries:", "[file] /Documents/Design.paper · 14 bytes · modified 2024-05-01 10:00Z · not downloadable",
				"[file] /Documents/notes.txt · 50 bytes", "[folder] /Documents/Reports/"},
			Omit: []string{"q1.csv"}},
		{Name: "list_folder recursively", Tool: "list_folder", Args: `{"path":"/Documents","recursive":true}`,
			Want: []string{"Folder /Documents, recursively: 5 entries:", "[file] /Documents/Reports/q1.csv · 23 bytes"}},
		{Name: "list_folder of an empty folder", Tool: "list_folder", Args: `{"path":"/Empty"}`, Want: []string{"Folder /Empty: 0 entries:\n"}},
		{Name: "search by name and content", Tool: "search", Args: `{"query":"notes"}`,
			Want: []string{"1 match for \"notes\":\n[file] /Documents/notes.txt · 50 bytes"}, Omit: []string{"More matches"}},
		{Name: "search under a path", Tool: "search", Args: `{"query":"PLAN","path":"/Documents"}`,
			Want: []string{"1 match for \"PLAN\" under /Documents:", "/Documents/Plan 2024.md"}},
		{Name: "search file content", Tool: "search", Args: `{"query":"systems nominal"}`, Want: []string{"/logs/big.log · 250.0 KiB"}},
		{Name: "search says there are more", Tool: "search", Args: `{"query":"e","max_results":2}`,
			Want: []string{"2 matches for \"e\"", "More matches exist: narrow the query"}},
		{Name: "read_file shows a text file", Tool: "read_file", Args: `{"path":"/Documents/notes.txt"}`,
			Want: []string{"File /Documents/notes.txt (50 bytes, modified 2024-05-01 10:00Z, rev ", "):\n\nMeeting notes\n- ship the gateway\n- write the docs\n"}},
		{Name: "read_file with a non-ASCII path", Tool: "read_file", Args: `{"path":"/Résumé.txt"}`, Want: []string{"Curriculum vitae – Alice Liddell"}},
		{Name: "read_file keeps UTF-8 text", Tool: "read_file", Args: `{"path":"Documents/Plan 2024.md"}`, Want: []string{"Grow the user base. Café ☕ included."}},
		{Name: "read_file cuts a long file", Tool: "read_file", Args: `{"path":"/logs/big.log"}`,
			Want: []string{"File /logs/big.log (250.0 KiB", "line 00001: all systems nominal", "; only the first 65540 bytes were read):"},
			Omit: []string{"line 08000"}},
		{Name: "create_shared_link makes a link", Tool: "create_shared_link", Args: `{"path":"/Documents/notes.txt"}`,
			Want: []string{"Shared link for /Documents/notes.txt (new): https://www.dropbox.com/scl/fi/", "Access: anyone with the link can view."}},
		{Name: "create_shared_link returns an existing link", Tool: "create_shared_link", Args: `{"path":"/Photos/cat.jpg"}`,
			Want: []string{"Shared link for /Photos/cat.jpg (it already existed): https://www.dropbox.com/scl/fi/fakecat0001/cat.jpg?rlkey=seeded&dl=0", "Access: anyone"}},
		{Name: "create_shared_link shares a folder", Tool: "create_shared_link", Args: `{"path":"/Documents/Reports"}`,
			Want: []string{"(new): https://www.dropbox.com/scl/fo/"}},
	}
	suite.CheckResults(t, tests)
}

func TestListFolderContinuesWithItsCursor(t *testing.T) {
	t.Parallel()
	_, up := newFake(t)
	first, err := suite.Call(t, up, "list_folder", `{"limit":3}`)
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`More: call list_folder again with only cursor="([^"]+)"`).FindStringSubmatch(first)
	if m == nil {
		t.Fatalf("no cursor in:\n%s", first)
	}
	connectortest.AssertContains(t, first, "3 entries", "/Documents/", "/logs/")
	rest, err := suite.Call(t, up, "list_folder", `{"cursor":"`+m[1]+`"}`)
	if err != nil {
		t.Fatal(err)
	}
	connectortest.AssertContains(t, rest, "Folder listing, continued: 2 entries:", "/Photos/", "/Résumé.txt")
	connectortest.AssertOmits(t, rest, "More:", "/Documents/")
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
		_, err := suite.Call(t, up, "read_file", `{"path":"`+tt.path+`"}`)
		connectortest.AssertContains(t, connectortest.ErrText(err), tt.want)
	}
}

// read_file downloads no more than the result budget; the gateway cuts
// the result to it, once.
func TestReadFileReadsOnlyTheResultBudget(t *testing.T) {
	t.Parallel()
	fake, up := newFake(t)
	fake.AddFile("/multi.txt", []byte(strings.Repeat("ü", 500)))
	up.MaxResultBytes = 300
	got, err := suite.Call(t, up, "read_file", `{"path":"/multi.txt"}`)
	if err != nil {
		t.Fatal(err)
	}
	_, content, _ := strings.Cut(got, "):\n\n")
	if len(content) > 304 || !strings.Contains(got, "; only the first 304 bytes were read):") || strings.Contains(got, "[truncated") {
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
			got, err := suite.Call(t, up, "upload_text", tt.args)
			if err != nil {
				t.Fatal(err)
			}
			connectortest.AssertContains(t, got, tt.want)
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
	_, err := suite.Call(t, up, "upload_text", `{"path":"/Documents/notes.txt","text":"different"}`)
	connectortest.AssertContains(t, connectortest.ErrText(err), `files/upload: a file already exists at that path; pass mode "overwrite" to replace it, or autorename true`)
	_, err = suite.Call(t, up, "upload_text", `{"path":"/Documents/Reports","text":"x"}`)
	connectortest.AssertContains(t, connectortest.ErrText(err), "a folder already exists at that path")
	_, err = suite.Call(t, up, "upload_text", `{"path":"/Documents/notes.txt/inner.txt","text":"x"}`)
	connectortest.AssertContains(t, connectortest.ErrText(err), "files/upload: a folder on that path is a file")
	if b, _ := fake.File("/Documents/notes.txt"); !strings.HasPrefix(string(b), "Meeting notes") {
		t.Errorf("a refused upload changed the file: %q", b)
	}
}

// The fallback asks sharing/list_shared_links, whose scope is sharing.read
// (https://www.dropbox.com/developers/documentation/http/documentation#sharing-list_shared_links):
// the default scopes must ask for it, and sharing.write alone must not do.
func TestExistingLinkNeedsSharingRead(t *testing.T) {
	t.Parallel()
	if !slices.Contains(dropbox.DefaultScopes, "sharing.read") {
		t.Errorf("DefaultScopes = %v, want sharing.read among them", dropbox.DefaultScopes)
	}
	_, up := newFake(t, dropboxfake.WithoutLinkMetadata(), dropboxfake.WithScopes("files.metadata.read", "sharing.write"))
	_, err := suite.Call(t, up, "create_shared_link", `{"path":"/Photos/cat.jpg"}`)
	connectortest.AssertContains(t, connectortest.ErrText(err), "lacks the scope sharing.read")
}

func TestExistingLinkWithoutMetadataIsListed(t *testing.T) {
	t.Parallel()
	_, up := newFake(t, dropboxfake.WithoutLinkMetadata())
	got, err := suite.Call(t, up, "create_shared_link", `{"path":"/Photos/cat.jpg"}`)
	if err != nil {
		t.Fatal(err)
	}
	connectortest.AssertContains(t, got, "(it already existed): https://www.dropbox.com/scl/fi/fakecat0001/cat.jpg?rlkey=seeded&dl=0")
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
			_, err := suite.Call(t, up, tool, args)
			if !errors.Is(err, dropbox.ErrNotFound) {
				t.Fatalf("error = %v, want ErrNotFound", err)
			}
			connectortest.AssertContains(t, err.Error(), ": nothing found at that path (paths start with /")
		})
	}
	_, up := newFake(t)
	_, err := suite.Call(t, up, "list_folder", `{"path":"/Documents/notes.txt"}`)
	connectortest.AssertContains(t, connectortest.ErrText(err), "files/list_folder: the path is a file, not a folder; read it with read_file")
}
