package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/mcpgate/mcpgate/pkg/connector/google/googlefake"
	"github.com/mcpgate/mcpgate/pkg/connector/slack/slackfake"
	"github.com/mcpgate/mcpgate/pkg/store"
)

func provCheckSlackPost(t *testing.T, fake *slackfake.Server, out, text string) {
	t.Helper()
	msgs := fake.Messages(slackfake.RandomID)
	if len(msgs) == 0 {
		t.Fatal("#random holds no messages")
	}
	last := msgs[len(msgs)-1]
	if last.Text != text || last.User != slackfake.BotUserID || last.ThreadTS != "" {
		t.Errorf("newest #random message = %+v, want %q by %s at the top level", last, text, slackfake.BotUserID)
	}
	if !strings.Contains(out, "ts "+last.TS) {
		t.Errorf("the result does not give the message's ts %s:\n%s", last.TS, out)
	}
}

func provCheckSlackReply(t *testing.T, fake *slackfake.Server, text string) {
	t.Helper()
	n := 0
	for _, m := range fake.Messages(slackfake.GeneralID) {
		if m.Text == text {
			n++
			if m.ThreadTS != slackfake.ThreadTS || m.User != slackfake.BotUserID {
				t.Errorf("reply = %+v, want it in thread %s by %s", m, slackfake.ThreadTS, slackfake.BotUserID)
			}
		}
	}
	if n != 1 {
		t.Errorf("#general holds the reply %d times, want once", n)
	}
}

// provCheckMail parses the one message Gmail received with net/mail and
// checks its recipient, its subject (decoded from RFC 2047) and its body.
func provCheckMail(t *testing.T, what string, got [][]byte, to, subject, body string) {
	t.Helper()
	if len(got) != 1 {
		t.Fatalf("Gmail received %d of %s, want 1", len(got), what)
	}
	msg, err := mail.ReadMessage(bytes.NewReader(got[0]))
	if err != nil {
		t.Fatalf("the %s does not parse as RFC 5322: %v\n%s", what, err, got[0])
	}
	if list, err := msg.Header.AddressList("To"); err != nil || len(list) != 1 || list[0].Address != to {
		t.Errorf("%s To = %v, %v; want %s", what, list, err, to)
	}
	raw := msg.Header.Get("Subject")
	if !strings.HasPrefix(raw, "=?") {
		t.Errorf("%s Subject %q is not RFC 2047-encoded", what, raw)
	}
	if dec, err := new(mime.WordDecoder).DecodeHeader(raw); err != nil || dec != subject {
		t.Errorf("%s subject decodes to %q, %v; want %q", what, dec, err, subject)
	}
	var r io.Reader = msg.Body
	if strings.EqualFold(msg.Header.Get("Content-Transfer-Encoding"), "quoted-printable") {
		r = quotedprintable.NewReader(r)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("%s body: %v", what, err)
	}
	if got, want := strings.ReplaceAll(string(b), "\r\n", "\n"), body; got != want {
		t.Errorf("%s body = %q, want %q", what, got, want)
	}
}

var provDriveID = regexp.MustCompile(`with id (\S+?)[ .]`)

func provCheckDriveFile(t *testing.T, fake *googlefake.Server, out, name, content string) {
	t.Helper()
	m := provDriveID.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no file id in:\n%s", out)
	}
	f, ok := fake.File(m[1])
	if !ok {
		t.Fatalf("Drive has no file %s", m[1])
	}
	if f.Name != name || f.MimeType != "text/plain" || string(f.Content) != content ||
		len(f.Parents) != 1 || f.Parents[0] != googlefake.FolderProjects {
		t.Errorf("Drive file = %+v (content %q), want %q, text/plain, %q, in %s", f, f.Content, name, content, googlefake.FolderProjects)
	}
}

// provAssertNoTokens looks for every fake's token, whole or in part, in
// all the gateway sent to clients, logged, audited and stored; and checks
// that each token did reach its own fake, so the search is not vacuous.
func provAssertNoTokens(t *testing.T, p *provGateway, results []string) {
	t.Helper()
	ctx := context.Background()
	audit, err := p.App.Store.User(p.Owner.ID).ListAudit(ctx, store.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	auditJSON, err := json.Marshal(audit)
	if err != nil {
		t.Fatal(err)
	}
	places := map[string]string{
		"tool results":  strings.Join(results, "\n"),
		"logs":          p.Logs.String(),
		"wire":          p.Wire.String(),
		"audit records": string(auditJSON),
	}
	for name, b := range readDataDir(t, filepath.Dir(p.DBPath), filepath.Base(p.DBPath)) {
		places["data dir file "+name] = b
	}
	tokens := map[string]string{
		"github": canary, "slack": provSlackToken, "google": provGoogleToken, "dropbox": provDropboxToken,
	}
	for where, content := range places {
		for prov, tok := range tokens {
			if strings.Contains(content, tok) || strings.Contains(content, tok[5:21]) {
				t.Errorf("the %s token appears in %s", prov, where)
			}
		}
	}
	if len(p.Logs.String()) == 0 || !strings.Contains(p.Wire.String(), "Quarterly plan") ||
		!strings.Contains(p.Wire.String(), "Curriculum vitae") || !strings.Contains(p.Wire.String(), "Lunch at noon?") {
		t.Error("the logs or the wire captured nothing; the search would pass vacuously")
	}
	for prov, h := range map[string]string{
		"slack":   p.slack.LastHeaders().Get("Authorization"),
		"google":  p.google.LastHeaders().Get("Authorization"),
		"dropbox": p.dropbox.LastHeaders().Get("Authorization"),
	} {
		if want := "Bearer " + tokens[prov]; h != want {
			t.Errorf("the %s fake last saw Authorization %q, want %q", prov, h, want)
		}
	}
}
