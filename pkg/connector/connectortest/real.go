package connectortest

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/mcpgate/mcpgate/pkg/connector"
	"github.com/mcpgate/mcpgate/pkg/secret"
)

// Real is a connector's opt-in run against the real service: the read-only
// tools when TokenEnv holds a token, the write tools too when WriteEnv is
// "1". Without the token the test skips with one line.
type Real struct {
	// Provider is the registry name, e.g. "github".
	Provider string
	// TokenEnv names the variable holding an access token for the service.
	TokenEnv string
	// WriteEnv names the variable that, set to 1, allows the write tools
	// against the scratch place the caller's Write calls name.
	WriteEnv string
}

// Upstream returns an Upstream aimed at the service's default API URL with
// the token from TokenEnv, or skips the test.
func (r Real) Upstream(t *testing.T) connector.Upstream {
	t.Helper()
	tok := strings.TrimSpace(os.Getenv(r.TokenEnv))
	if tok == "" {
		t.Skipf("%s is not set: skipping the %s tools against the real service", r.TokenEnv, r.Provider)
	}
	p, err := connector.Lookup(r.Provider)
	if err != nil {
		t.Fatal(err)
	}
	return connector.Upstream{
		BaseURL:    connector.BaseURL("", "", p),
		Credential: secret.FromString(tok),
		HTTP:       &http.Client{Timeout: 60 * time.Second},
	}
}

// Writes skips the test unless WriteEnv is 1.
func (r Real) Writes(t *testing.T) {
	t.Helper()
	if os.Getenv(r.WriteEnv) != "1" {
		t.Skipf("%s is not 1: skipping the %s write tools against the real service", r.WriteEnv, r.Provider)
	}
}

// Env returns the variable name's value, or skips the test saying what it
// is for.
func (r Real) Env(t *testing.T, name, what string) string {
	t.Helper()
	v := strings.TrimSpace(os.Getenv(name))
	if v == "" {
		t.Skipf("%s is not set: skipping; set it to %s", name, what)
	}
	return v
}

// Identify checks that the service names the token's account, and
// returns that name.
func (r Real) Identify(t *testing.T, up connector.Upstream) string {
	t.Helper()
	p, _ := connector.Lookup(r.Provider)
	who, err := p.Identify(context.Background(), up)
	if err != nil {
		t.Fatalf("Identify: %v", err)
	}
	t.Logf("the token belongs to %s", who)
	return who
}

// Call runs one tool and fails the test on an error or when the result
// holds the token; it returns the result.
func (r Real) Call(t *testing.T, up connector.Upstream, tool, args string) string {
	t.Helper()
	p, _ := connector.Lookup(r.Provider)
	for _, tl := range p.Tools() {
		if tl.Name != tool {
			continue
		}
		out, err := connector.Call(context.Background(), tl, up, json.RawMessage(args))
		tok := up.Credential.Reveal()
		if err != nil {
			if strings.Contains(err.Error(), tok) {
				t.Fatalf("%s: the error holds the token", tool)
			}
			t.Fatalf("%s %s: %v", tool, args, err)
		}
		if strings.Contains(out, tok) {
			t.Fatalf("%s: the result holds the token", tool)
		}
		first, _, _ := strings.Cut(out, "\n")
		t.Logf("%s: %s", tool, first)
		return out
	}
	t.Fatalf("%s has no tool %s", r.Provider, tool)
	return ""
}
