package dropbox_test

import (
	"context"
	"encoding/json"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/mcpgate/mcpgate/pkg/connector"
	"github.com/mcpgate/mcpgate/pkg/connector/dropbox/dropboxfake"
	"github.com/mcpgate/mcpgate/pkg/secret"
)

// canary is a recognisable token: no text a tool returns may contain it.
const canary = "sl.CANARY-0123456789-abcdefghijklmnopqrstuvwxyz"

// newFake starts a fake that accepts canary and an Upstream aimed at it.
func newFake(t *testing.T, opts ...dropboxfake.Option) (*dropboxfake.Server, connector.Upstream) {
	t.Helper()
	fake := dropboxfake.New(canary, opts...)
	t.Cleanup(fake.Close)
	return fake, connector.Upstream{
		BaseURL:    fake.URL,
		Credential: secret.FromString(canary),
		HTTP:       &http.Client{Timeout: 5 * time.Second},
	}
}

func provider(t *testing.T) connector.Provider {
	t.Helper()
	p, err := connector.Lookup("dropbox")
	if err != nil {
		t.Fatalf("Lookup(dropbox): %v", err)
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
	if strings.Contains(out, canary) {
		t.Errorf("result contains the token:\n%s", out)
	}
	if err != nil && strings.Contains(err.Error(), canary) {
		t.Errorf("error contains the token: %s", err)
	}
	return out, err
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
		return "<nil>"
	}
	return err.Error()
}

// validArgs has arguments each tool accepts against the seeded fake.
var validArgs = map[string]string{
	"list_folder":        `{"path":"/Documents"}`,
	"search":             `{"query":"notes"}`,
	"read_file":          `{"path":"/Documents/notes.txt"}`,
	"upload_text":        `{"path":"/Documents/new.txt","text":"hello"}`,
	"create_shared_link": `{"path":"/Documents/notes.txt"}`,
}

func toolNames() []string {
	var names []string
	for n := range validArgs {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
