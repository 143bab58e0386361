package googlefake_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/mcpgate/mcpgate/pkg/connector/google/googlefake"
)

func list(t *testing.T, s *googlefake.Server, params url.Values) reply {
	t.Helper()
	return get(t, s, "/drive/v3/files?"+params.Encode())
}

func names(r reply) []string {
	var out []string
	files, _ := r.json["files"].([]any)
	for _, f := range files {
		out = append(out, f.(map[string]any)["name"].(string))
	}
	return out
}

func TestDriveFilesList(t *testing.T) {
	t.Parallel()
	s := start(t)
	r := list(t, s, url.Values{"pageSize": {"1"}})
	files := r.json["files"].([]any)
	if r.json["kind"] != "drive#fileList" || len(files) != 1 || r.json["nextPageToken"] != "1" {
		t.Fatalf("list = %s", r.raw)
	}
	if f := files[0].(map[string]any); len(f) != 4 || f["kind"] != "drive#file" || f["mimeType"] == nil {
		t.Errorf("default fields = %v; want kind, id, name, mimeType only", f)
	}
	r = list(t, s, url.Values{"fields": {"files(id,size,owners(emailAddress))"}, "q": {"name = 'logo.png'"}})
	if got := string(r.raw); !strings.Contains(got, `"size": "33"`) || !strings.Contains(got, `"emailAddress": "ada@example.com"`) || strings.Contains(got, "displayName") || strings.Contains(got, "kind") {
		t.Errorf("selected fields = %s", got)
	}
	tests := map[string][]string{
		"fullText contains 'thursday'":                       {"Bob's notes.txt"},
		`name contains 'Bob\'s'`:                             {"Bob's notes.txt"},
		"fullText contains 'gateway' and trashed = false":    {"Quarterly plan"},
		"fullText contains 'gateway'":                        {"Quarterly plan", "old draft.txt"},
		"'" + googlefake.FolderProjects + "' in parents":     {"Quarterly plan", "Bob's notes.txt"},
		"mimeType = 'application/json' or name = 'logo.png'": {"config.json", "logo.png"},
		"not trashed = false":                                {"old draft.txt"},
		"(name contains 'budget') and starred = false":       {"Budget 2025"},
		"modifiedTime > '2024-05-08T00:00:00'":               {"Quarterly plan", "Budget 2025"},
	}
	for q, want := range tests {
		if got := names(list(t, s, url.Values{"q": {q}})); strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("q=%s: %v, want %v", q, got, want)
		}
	}
	for _, bad := range []url.Values{
		{"q": {"name contains 'unterminated"}}, {"q": {"bogus = 'x'"}}, {"q": {"trashed = 'x'"}},
		{"fields": {"files(id,nope)"}}, {"fields": {"files(id"}}, {"pageSize": {"0"}},
		{"q": {"fullText contains 'x'"}, "orderBy": {"modifiedTime desc"}},
	} {
		googleError(t, list(t, s, bad), 400, "INVALID_ARGUMENT")
	}
	if got := names(list(t, s, url.Values{"orderBy": {"name"}, "q": {"trashed = false and mimeType != 'application/vnd.google-apps.folder'"}})); got[0] != "Bob's notes.txt" || got[len(got)-1] != "logo.png" {
		t.Errorf("orderBy name: %v", got)
	}
}

func TestDriveFilesGetExportAndMedia(t *testing.T) {
	t.Parallel()
	s := start(t)
	r := get(t, s, "/drive/v3/files/"+googlefake.DocPlan+"?fields=id,name,webViewLink,size")
	if r.json["webViewLink"] != "https://docs.google.com/document/d/"+googlefake.DocPlan+"/edit?usp=drivesdk" || r.json["size"] != nil {
		t.Errorf("get = %s; a Doc has a docs link and no size", r.raw)
	}
	r = get(t, s, "/drive/v3/files/"+googlefake.TextNotes+"?alt=media")
	if r.status != 200 || string(r.raw) != googlefake.NotesText || r.header.Get("Content-Type") != "text/plain" {
		t.Errorf("media = %d %q %q", r.status, r.raw, r.header.Get("Content-Type"))
	}
	if reason := googleError(t, get(t, s, "/drive/v3/files/"+googlefake.DocPlan+"?alt=media"), 403, "PERMISSION_DENIED"); reason != "fileNotDownloadable" {
		t.Errorf("media of a Doc: reason %q", reason)
	}
	r = get(t, s, "/drive/v3/files/"+googlefake.SheetBudget+"/export?mimeType=text/csv")
	if r.status != 200 || !strings.HasPrefix(string(r.raw), "Item,Cost\r\n") || r.header.Get("Content-Type") != "text/csv" {
		t.Errorf("export = %d %q", r.status, r.raw)
	}
	if r := get(t, s, "/drive/v3/files/"+googlefake.DocPlan+"/export?mimeType=text/plain"); !strings.HasPrefix(string(r.raw), "\ufeffQuarterly plan") {
		t.Errorf("Doc export = %q", r.raw)
	}
	googleError(t, get(t, s, "/drive/v3/files/"+googlefake.DocPlan+"/export?mimeType=text/csv"), 400, "INVALID_ARGUMENT")
	googleError(t, get(t, s, "/drive/v3/files/"+googlefake.DocPlan+"/export"), 400, "INVALID_ARGUMENT")
	if reason := googleError(t, get(t, s, "/drive/v3/files/"+googlefake.TextNotes+"/export?mimeType=text/plain"), 403, "PERMISSION_DENIED"); reason != "fileNotExportable" {
		t.Errorf("export of a text file: reason %q", reason)
	}
	if reason := googleError(t, get(t, s, "/drive/v3/files/1Nope"), 404, "NOT_FOUND"); reason != "notFound" {
		t.Errorf("missing file: reason %q", reason)
	}
	googleError(t, get(t, s, "/drive/v3/about"), 400, "INVALID_ARGUMENT")
	if r := get(t, s, "/drive/v3/about?fields=user(emailAddress)"); r.json["user"].(map[string]any)["emailAddress"] != googlefake.Email || r.json["kind"] != nil {
		t.Errorf("about = %s", r.raw)
	}
}

func TestDriveUpload(t *testing.T) {
	t.Parallel()
	s := start(t)
	body := "--b\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n" +
		`{"name":"new.txt","parents":["` + googlefake.FolderProjects + `"]}` +
		"\r\n--b\r\nContent-Type: text/plain\r\n\r\nhello\r\n--b--\r\n"
	r := do(t, s, "POST", "/upload/drive/v3/files?uploadType=multipart&fields=id,name,mimeType,parents", token, "multipart/related; boundary=b", body)
	if r.status != 200 || r.json["name"] != "new.txt" || r.json["mimeType"] != "text/plain" {
		t.Fatalf("upload = %d %s", r.status, r.raw)
	}
	f, ok := s.File(r.json["id"].(string))
	if !ok || string(f.Content) != "hello" || !f.AppCreated || f.Parents[0] != googlefake.FolderProjects {
		t.Errorf("File = %+v, %v", f, ok)
	}
	if up := s.LastUpload(); len(up.Parts) != 2 || up.ContentType != "multipart/related; boundary=b" {
		t.Errorf("LastUpload = %+v", up)
	}
	googleError(t, do(t, s, "POST", "/upload/drive/v3/files?uploadType=multipart", token, "application/json", "{}"), 400, "INVALID_ARGUMENT")
	googleError(t, do(t, s, "POST", "/upload/drive/v3/files?uploadType=media", token, "text/plain", "x"), 400, "INVALID_ARGUMENT")
	bad := strings.Replace(body, googlefake.FolderProjects, googlefake.TextNotes, 1)
	googleError(t, do(t, s, "POST", "/upload/drive/v3/files?uploadType=multipart", token, "multipart/related; boundary=b", bad), 404, "NOT_FOUND")
	s.AddToken("ya29.ro", googlefake.ScopeDriveReadonly)
	if r := do(t, s, "POST", "/upload/drive/v3/files?uploadType=multipart", "ya29.ro", "multipart/related; boundary=b", body); r.status != 403 {
		t.Errorf("upload with drive.readonly: %d", r.status)
	}
}

func TestDriveFileScopeOnlySeesAppFiles(t *testing.T) {
	t.Parallel()
	s := start(t, googlefake.WithScopes(googlefake.ScopeDriveFile))
	if got := names(list(t, s, nil)); len(got) != 0 {
		t.Errorf("drive.file sees %v", got)
	}
	googleError(t, get(t, s, "/drive/v3/files/"+googlefake.TextNotes), 404, "NOT_FOUND")
}
