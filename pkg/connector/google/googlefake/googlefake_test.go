package googlefake_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/mcpgate/mcpgate/pkg/connector/google/googlefake"
)

const token = "ya29.fake-test-token"

func start(t testing.TB, opts ...googlefake.Option) *googlefake.Server {
	t.Helper()
	s := googlefake.New(token, opts...)
	t.Cleanup(s.Close)
	return s
}

type reply struct {
	status int
	header http.Header
	raw    []byte
	json   map[string]any
}

// do sends a request with the given bearer token (none when empty).
func do(t testing.TB, s *googlefake.Server, method, path, bearer, contentType, body string) reply {
	t.Helper()
	req, err := http.NewRequest(method, s.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	r := reply{status: resp.StatusCode, header: resp.Header}
	r.raw, _ = io.ReadAll(resp.Body)
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(r.raw, &r.json); err != nil {
			t.Fatalf("%s %s: body is not JSON: %s", method, path, r.raw)
		}
	}
	return r
}

func get(t testing.TB, s *googlefake.Server, path string) reply {
	t.Helper()
	return do(t, s, http.MethodGet, path, token, "", "")
}

// googleError checks Google's error document and returns its first reason.
func googleError(t *testing.T, r reply, code int, status string) string {
	t.Helper()
	if r.status != code {
		t.Fatalf("status = %d, want %d: %s", r.status, code, r.raw)
	}
	e, _ := r.json["error"].(map[string]any)
	if e == nil || e["code"] != float64(code) || e["message"] == "" || e["status"] != status {
		t.Fatalf("error document = %s; want code %d, a message and status %s", r.raw, code, status)
	}
	items, _ := e["errors"].([]any)
	if len(items) == 0 {
		return ""
	}
	return items[0].(map[string]any)["reason"].(string)
}

func TestAuthentication(t *testing.T) {
	t.Parallel()
	s := start(t, googlefake.WithScopes(googlefake.ScopeGmailReadonly))
	if r := get(t, s, "/gmail/v1/users/me/labels"); r.status != 200 {
		t.Errorf("valid token: %d %s", r.status, r.raw)
	}
	r := do(t, s, "GET", "/gmail/v1/users/me/labels", "", "", "")
	if reason := googleError(t, r, 401, "UNAUTHENTICATED"); reason != "required" {
		t.Errorf("no token: reason %q", reason)
	}
	r = do(t, s, "GET", "/drive/v3/files", "ya29.other", "", "")
	if reason := googleError(t, r, 401, "UNAUTHENTICATED"); reason != "authError" || !strings.Contains(r.header.Get("WWW-Authenticate"), `error="invalid_token"`) {
		t.Errorf("wrong token: reason %q, WWW-Authenticate %q", reason, r.header.Get("WWW-Authenticate"))
	}
	r = get(t, s, "/drive/v3/files")
	if reason := googleError(t, r, 403, "PERMISSION_DENIED"); reason != "insufficientPermissions" {
		t.Errorf("missing scope: reason %q", reason)
	}
	if h := r.header.Get("WWW-Authenticate"); !strings.Contains(h, `error="insufficient_scope"`) || !strings.Contains(h, googlefake.ScopeDriveReadonly) {
		t.Errorf("WWW-Authenticate = %q", h)
	}
	s.ExpireAccessTokens()
	if r := get(t, s, "/gmail/v1/users/me/labels"); r.status != 401 {
		t.Errorf("expired token: %d", r.status)
	}
	s.AddToken("ya29.second", googlefake.ScopeGmailSend)
	if r := do(t, s, "GET", "/gmail/v1/users/me/labels", "ya29.second", "", ""); r.status != 403 {
		t.Errorf("send-only token reading labels: %d", r.status)
	}
}

func TestGmailMessagesList(t *testing.T) {
	t.Parallel()
	s := start(t)
	r := get(t, s, "/gmail/v1/users/me/messages?maxResults=2")
	msgs, _ := r.json["messages"].([]any)
	if r.status != 200 || len(msgs) != 2 || r.json["resultSizeEstimate"] != float64(4) || r.json["nextPageToken"] != "2" {
		t.Fatalf("list = %s", r.raw)
	}
	first := msgs[0].(map[string]any)
	if first["id"] != googlefake.MsgAlternative || first["threadId"] == "" || len(first) != 2 {
		t.Errorf("first = %v; want only id and threadId", first)
	}
	r = get(t, s, "/gmail/v1/users/me/messages?q=nothing-matches")
	if _, has := r.json["messages"]; has || r.json["resultSizeEstimate"] != float64(0) {
		t.Errorf("empty list = %s; Gmail leaves messages out", r.raw)
	}
	for q, want := range map[string]string{
		"from:grace": googlefake.MsgAlternative, "subject:résumé": googlefake.MsgNonASCII, "has:attachment": googlefake.MsgNonASCII,
		"label:Recruiting": googlefake.MsgNonASCII, "in:sent": googlefake.MsgSent, "-in:inbox": googlefake.MsgSent,
		`"punched cards"`: googlefake.MsgHTMLOnly, "münchen": googlefake.MsgNonASCII,
	} {
		r := get(t, s, "/gmail/v1/users/me/messages?q="+urlEscape(q))
		msgs, _ := r.json["messages"].([]any)
		if len(msgs) != 1 || msgs[0].(map[string]any)["id"] != want {
			t.Errorf("q=%s: %s, want only %s", q, r.raw, want)
		}
	}
	if r := get(t, s, "/gmail/v1/users/me/messages?maxResults=501"); googleError(t, r, 400, "INVALID_ARGUMENT") != "invalid" {
		t.Error("maxResults over 500 accepted")
	}
}

func TestGmailMessageFormats(t *testing.T) {
	t.Parallel()
	s := start(t)
	r := get(t, s, "/gmail/v1/users/me/messages/"+googlefake.MsgAlternative)
	var m struct {
		ID, ThreadID, Snippet, InternalDate string
		LabelIDs                            []string `json:"labelIds"`
		Payload                             struct {
			MimeType string
			Headers  []struct{ Name, Value string }
			Parts    []struct {
				PartID, MimeType string
				Body             struct {
					Size int
					Data string
				}
			}
		}
	}
	if err := json.Unmarshal(r.raw, &m); err != nil || m.Payload.MimeType != "multipart/alternative" || len(m.Payload.Parts) != 2 {
		t.Fatalf("full = %s", r.raw)
	}
	if m.InternalDate != "1714730400000" || m.Snippet == "" || m.LabelIDs[0] != "INBOX" || m.Payload.Headers[0].Name != "From" {
		t.Errorf("message = %+v", m)
	}
	p := m.Payload.Parts[0]
	data, err := base64.URLEncoding.DecodeString(p.Body.Data)
	if p.PartID != "0" || p.MimeType != "text/plain" || err != nil || !strings.HasPrefix(string(data), "Hi Ada,\r\n") || p.Body.Size != len(data) {
		t.Errorf("part 0 = %+v (%q, %v)", p, data, err)
	}

	r = get(t, s, "/gmail/v1/users/me/messages/"+googlefake.MsgNonASCII+"?format=full")
	if !bytes.Contains(r.raw, []byte(`"attachmentId"`)) || !bytes.Contains(r.raw, []byte(`"filename": "cv.pdf"`)) {
		t.Errorf("attachment not by id: %s", r.raw)
	}
	if !bytes.Contains(r.raw, []byte("=?UTF-8?Q?R=C3=A9sum=C3=A9")) {
		t.Errorf("headers are not as in the message: %s", r.raw)
	}

	r = get(t, s, "/gmail/v1/users/me/messages/"+googlefake.MsgAlternative+"?format=metadata&metadataHeaders=Subject")
	payload := r.json["payload"].(map[string]any)
	if hs := payload["headers"].([]any); len(hs) != 1 || payload["parts"] != nil {
		t.Errorf("metadata payload = %v", payload)
	}
	r = get(t, s, "/gmail/v1/users/me/messages/"+googlefake.MsgSent+"?format=raw")
	raw, _ := base64.URLEncoding.DecodeString(r.json["raw"].(string))
	if !bytes.HasPrefix(raw, []byte("From: Ada Lovelace <ada@example.com>\r\n")) {
		t.Errorf("raw = %q", raw)
	}
	googleError(t, get(t, s, "/gmail/v1/users/me/messages/not-hex"), 400, "INVALID_ARGUMENT")
	if reason := googleError(t, get(t, s, "/gmail/v1/users/me/messages/18f1a00000000fff"), 404, "NOT_FOUND"); reason != "notFound" {
		t.Errorf("missing message reason %q", reason)
	}
	googleError(t, get(t, s, "/gmail/v1/users/someone@example.com/labels"), 403, "PERMISSION_DENIED")
}

func TestGmailSendAndDrafts(t *testing.T) {
	t.Parallel()
	s := start(t)
	msg := "To: bob@example.com\r\nSubject: Hi\r\n\r\nHello\r\n"
	body := `{"raw":"` + base64.URLEncoding.EncodeToString([]byte(msg)) + `"}`
	r := do(t, s, "POST", "/gmail/v1/users/me/messages/send", token, "application/json", body)
	if r.status != 200 || r.json["id"] == "" || r.json["labelIds"].([]any)[0] != "SENT" {
		t.Fatalf("send = %d %s", r.status, r.raw)
	}
	if sent := s.Sent(); len(sent) != 1 || string(sent[0]) != msg {
		t.Errorf("Sent() = %q", sent)
	}
	r = do(t, s, "POST", "/gmail/v1/users/me/drafts", token, "application/json", `{"message":`+body+`}`)
	if r.status != 200 || !strings.HasPrefix(r.json["id"].(string), "r-") || r.json["message"].(map[string]any)["labelIds"].([]any)[0] != "DRAFT" {
		t.Fatalf("draft = %d %s", r.status, r.raw)
	}
	if len(s.Drafts()) != 1 {
		t.Error("draft not kept")
	}
	googleError(t, do(t, s, "POST", "/gmail/v1/users/me/messages/send", token, "application/json", `{"raw":"%%%"}`), 400, "INVALID_ARGUMENT")
	noTo := base64.URLEncoding.EncodeToString([]byte("Subject: x\r\n\r\nb"))
	googleError(t, do(t, s, "POST", "/gmail/v1/users/me/messages/send", token, "application/json", `{"raw":"`+noTo+`"}`), 400, "INVALID_ARGUMENT")
	s.AddToken("ya29.readonly", googlefake.ScopeGmailReadonly)
	if r := do(t, s, "POST", "/gmail/v1/users/me/messages/send", "ya29.readonly", "application/json", body); r.status != 403 {
		t.Errorf("send with gmail.readonly: %d", r.status)
	}
}

func TestGmailLabelsAndProfile(t *testing.T) {
	t.Parallel()
	s := start(t)
	r := get(t, s, "/gmail/v1/users/me/labels")
	labels := r.json["labels"].([]any)
	last := labels[len(labels)-1].(map[string]any)
	if last["id"] != "Label_2" || last["name"] != "Receipts/2024" || last["type"] != "user" {
		t.Errorf("labels = %s", r.raw)
	}
	r = get(t, s, "/gmail/v1/users/me/profile")
	if r.json["emailAddress"] != googlefake.Email || r.json["historyId"] == nil {
		t.Errorf("profile = %s", r.raw)
	}
}

func urlEscape(s string) string {
	return strings.NewReplacer(" ", "%20", `"`, "%22", ":", "%3A", "é", "%C3%A9", "ü", "%C3%BC").Replace(s)
}
