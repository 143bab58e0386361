package approval

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/mcpgate/mcpgate/pkg/secret"
)

var sample = Notification{
	ID: "ap_0123", URL: "https://mcp.example.com/approvals/ap_0123", User: "u1", Key: "claude", Tool: "github_create_issue",
	Rule: "approve:github_create_*", Arguments: json.RawMessage(`{"body":{"len":3,"redacted":true,"sha256":"ab"},"title":"x \"y\""}`),
	ArgsSHA256: "cd", CreatedAt: time.Unix(0, 0).UTC(), ExpiresAt: time.Unix(600, 0).UTC(),
}

// deliver sends n through a webhook with tmpl to a loopback receiver that
// checks the signature on its own, and returns the body and content type.
func deliver(t *testing.T, tmpl string) (string, string) {
	t.Helper()
	const key = "k3y-for-the-test"
	var body, ctype string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		m := hmac.New(sha256.New, []byte(key))
		m.Write(b)
		if got, want := r.Header.Get("X-Mcpgate-Signature"), "sha256="+hex.EncodeToString(m.Sum(nil)); got != want {
			t.Errorf("signature %q, want %q", got, want)
		}
		body, ctype = string(b), r.Header.Get("Content-Type")
	}))
	defer srv.Close()
	w, err := NewWebhook(srv.URL, secret.FromString(key), tmpl, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Notify(context.Background(), sample); err != nil {
		t.Fatal(err)
	}
	return body, ctype
}

func TestWebhookDefaultBodyIsTheNotification(t *testing.T) {
	body, ctype := deliver(t, "")
	var got Notification
	if err := json.Unmarshal([]byte(body), &got); err != nil || got.ID != sample.ID || got.URL != sample.URL || ctype != "application/json" {
		t.Fatalf("body %s (%s): %v", body, ctype, err)
	}
}

// The README's templates for Slack and ntfy give a JSON body with the
// link, and a text body with the link.
func TestREADMEWebhookTemplates(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	var templates []string
	for _, m := range regexp.MustCompile("(?s)```yaml\n(.*?)```").FindAllStringSubmatch(string(readme), -1) {
		if !strings.HasPrefix(m[1], "approvals:") {
			continue
		}
		var doc struct {
			Approvals struct {
				Webhook struct{ URL, Template string }
			}
		}
		if err := yaml.Unmarshal([]byte(m[1]), &doc); err != nil {
			t.Fatal(err)
		}
		templates = append(templates, doc.Approvals.Webhook.Template)
	}
	if len(templates) != 2 {
		t.Fatalf("found %d webhook examples in README.md, want Slack's and ntfy's", len(templates))
	}
	slack, ctype := deliver(t, templates[0])
	var msg struct{ Text string }
	if err := json.Unmarshal([]byte(slack), &msg); err != nil || ctype != "application/json" || msg.Text != "github_create_issue needs approval: "+sample.URL {
		t.Errorf("Slack body %s (%s): %v", slack, ctype, err)
	}
	ntfy, ctype := deliver(t, templates[1])
	if !strings.HasPrefix(ctype, "text/plain") || ntfy != "github_create_issue needs approval (approve:github_create_*): "+sample.URL {
		t.Errorf("ntfy body %q (%s)", ntfy, ctype)
	}
}

func TestWebhookRefusesABadTemplateAndAnEmptySecret(t *testing.T) {
	if _, err := NewWebhook("http://127.0.0.1:1", secret.FromString("k"), "{{.Nope", nil); err == nil {
		t.Error("a template that does not parse was accepted")
	}
	if _, err := NewWebhook("http://127.0.0.1:1", secret.Value{}, "", nil); err == nil {
		t.Error("an empty secret was accepted")
	}
}
