package github_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mcpgate/mcpgate/pkg/connector"
	"github.com/mcpgate/mcpgate/pkg/connector/github/githubfake"
	"github.com/mcpgate/mcpgate/pkg/secret"
)

// canary is a recognisable token: no text a tool returns may contain it.
const canary = "ghp_CANARY0123456789abcdefghijklmnopqrstu"

// newFake starts a fake that accepts canary and an Upstream aimed at it.
func newFake(t *testing.T, opts ...githubfake.Option) (*githubfake.Server, connector.Upstream) {
	t.Helper()
	fake := githubfake.New(canary, opts...)
	t.Cleanup(fake.Close)
	return fake, connector.Upstream{
		BaseURL:    fake.URL,
		Credential: secret.FromString(canary),
		HTTP:       &http.Client{Timeout: 5 * time.Second},
	}
}

func provider(t *testing.T) connector.Provider {
	t.Helper()
	p, err := connector.Lookup("github")
	if err != nil {
		t.Fatalf("Lookup(github): %v", err)
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

// validArgs has arguments each tool accepts against the seeded fake.
var validArgs = map[string]string{
	"list_repos":    `{}`,
	"get_repo":      `{"owner":"octocat","repo":"hello-world"}`,
	"list_issues":   `{"owner":"octocat","repo":"hello-world"}`,
	"get_issue":     `{"owner":"octocat","repo":"hello-world","number":1}`,
	"create_issue":  `{"owner":"octocat","repo":"hello-world","title":"New"}`,
	"comment_issue": `{"owner":"octocat","repo":"hello-world","number":1,"body":"Thanks"}`,
	"list_pulls":    `{"owner":"octocat","repo":"hello-world"}`,
	"get_pull":      `{"owner":"octocat","repo":"hello-world","number":2}`,
	"get_file":      `{"owner":"octocat","repo":"hello-world","path":"README.md"}`,
	"search_issues": `{"q":"greeting"}`,
	"search_code":   `{"q":"NewClient"}`,
}

func newGHES(t *testing.T) (*githubfake.Server, connector.Upstream) {
	t.Helper()
	return newFake(t, githubfake.WithPathPrefix("/api/v3"))
}
