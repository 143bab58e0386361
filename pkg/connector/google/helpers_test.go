package google_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mcpgate/mcpgate/pkg/connector"
	"github.com/mcpgate/mcpgate/pkg/connector/google/googlefake"
	"github.com/mcpgate/mcpgate/pkg/secret"
)

// canary is a recognisable access token: no text a tool returns may
// contain it.
const canary = "ya29.CANARY-0123456789abcdefghijklmnopqrstuvwxyz"

// newFake starts a fake that accepts canary and an Upstream aimed at it.
func newFake(t *testing.T, opts ...googlefake.Option) (*googlefake.Server, connector.Upstream) {
	t.Helper()
	fake := googlefake.New(canary, opts...)
	t.Cleanup(fake.Close)
	return fake, connector.Upstream{
		BaseURL:    fake.URL,
		Credential: secret.FromString(canary),
		HTTP:       &http.Client{Timeout: 5 * time.Second},
	}
}

func provider(t *testing.T) connector.Provider {
	t.Helper()
	p, err := connector.Lookup("google")
	if err != nil {
		t.Fatalf("Lookup(google): %v", err)
	}
	return p
}

func toolNamed(t *testing.T, name string) connector.Tool {
	t.Helper()
	for _, tl := range provider(t).Tools() {
		if tl.Name == name {
			return tl
		}
	}
	t.Fatalf("no tool %q", name)
	return connector.Tool{}
}

// call runs a tool and checks the promise on every outcome: the token
// never appears in the result or the error.
func call(t *testing.T, up connector.Upstream, name, args string) (string, error) {
	t.Helper()
	out, err := toolNamed(t, name).Call(context.Background(), up, json.RawMessage(args))
	assertNoToken(t, out, err)
	return out, err
}

func assertNoToken(t *testing.T, out string, err error) {
	t.Helper()
	if strings.Contains(out, canary) {
		t.Errorf("result contains the token:\n%s", out)
	}
	if err != nil && strings.Contains(err.Error(), canary) {
		t.Errorf("error contains the token: %s", err)
	}
}

func assertContains(t *testing.T, got string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Errorf("got:\n%s\nwant it to contain %q", got, w)
		}
	}
}

func assertOmits(t *testing.T, got string, unwanted ...string) {
	t.Helper()
	for _, w := range unwanted {
		if strings.Contains(got, w) {
			t.Errorf("got:\n%s\nwant it not to contain %q", got, w)
		}
	}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// validArgs has arguments each tool accepts against the seeded fake.
var validArgs = map[string]string{
	"gmail_search":       `{"q":"meeting"}`,
	"gmail_read":         `{"id":"` + googlefake.MsgAlternative + `"}`,
	"gmail_list_labels":  `{}`,
	"gmail_create_draft": `{"to":"bob@example.com","subject":"Hi","body":"Hello"}`,
	"gmail_send":         `{"to":"bob@example.com","subject":"Hi","body":"Hello"}`,
	"drive_search":       `{"q":"plan"}`,
	"drive_get":          `{"file_id":"` + googlefake.DocPlan + `"}`,
	"drive_read":         `{"file_id":"` + googlefake.TextNotes + `"}`,
	"drive_create_text":  `{"name":"n.txt","content":"hello"}`,
}

func zeroSecret() secret.Value { return secret.Value{} }
