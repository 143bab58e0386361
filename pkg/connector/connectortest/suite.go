package connectortest

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/mcpgate/mcpgate/pkg/connector"
	"github.com/mcpgate/mcpgate/pkg/connector/fakekit"
	"github.com/mcpgate/mcpgate/pkg/secret"
)

// Fake is what the shared drivers need of a connector's fake upstream;
// every fake built on fakekit.Base has it.
type Fake interface {
	// FailNext makes the next n requests fail with f (n < 0: all).
	FailNext(f fakekit.Failure, n int)
	// Requests counts the requests the fake received, failed ones too.
	Requests() int64
	// OversizedSent is the most bytes one fakekit.Oversized answer
	// wrote before the client stopped reading.
	OversizedSent() int64
}

var _ Fake = (*fakekit.Base)(nil)

// Suite is one connector's test setup. F is its fake's type, so that
// hooks such as FailureCase.Setup can use what only that fake offers.
type Suite[F Fake] struct {
	// Name is the provider's registry name, e.g. "github".
	Name string
	// Canary is the token the fake accepts. It must be recognisable: Call
	// fails the test when a result or error holds it.
	Canary string
	// NewFake starts a seeded fake that accepts Canary, closes it when the
	// test or benchmark ends, and returns it with an Upstream aimed at it.
	NewFake func(tb testing.TB) (F, connector.Upstream)
	// ValidArgs has arguments each tool accepts against the seeded fake;
	// its keys are the tools the drivers run.
	ValidArgs map[string]string
	// Tools lists the connector's tools when it is not in the registry
	// (an MCP connection); nil looks Name up in the registry.
	Tools func(tb testing.TB) []connector.Tool
	// Mutating says whether a request changes something upstream; nil
	// counts every method but GET, HEAD and OPTIONS. An API that reads
	// with POST (Slack's, Dropbox's, JSON-RPC) names its writes here.
	Mutating func(e Exchange) bool
	// Log, when set, is what the connector has logged so far; Run looks
	// for the credential in it.
	Log func() string
}

// Upstream aims a connector at baseURL with token, through a client whose
// timeout ends a test that would otherwise hang on a broken fake.
func Upstream(baseURL, token string) connector.Upstream {
	return connector.Upstream{
		BaseURL:    baseURL,
		Credential: secret.FromString(token),
		HTTP:       &http.Client{Timeout: 5 * time.Second},
	}
}

// Provider looks the connector up in the registry, as the gateway does.
func (s Suite[F]) Provider(t testing.TB) connector.Provider {
	t.Helper()
	p, err := connector.Lookup(s.Name)
	if err != nil {
		t.Fatalf("Lookup(%s): %v", s.Name, err)
	}
	return p
}

// CheckRegistered checks that the registry has the provider under Name,
// with apiURL as its default API base and exactly authKinds, in order (the
// first is what `connect add` offers first). It returns the provider for
// the connector's own checks.
func (s Suite[F]) CheckRegistered(t *testing.T, apiURL string, authKinds ...string) connector.Provider {
	t.Helper()
	p := s.Provider(t)
	if got := p.DefaultAPIURL(); got != apiURL {
		t.Errorf("DefaultAPIURL() = %q, want %s", got, apiURL)
	}
	if got := p.AuthKinds(); !slices.Equal(got, authKinds) {
		t.Errorf("AuthKinds() = %v, want %v", got, authKinds)
	}
	return p
}

// OAuthProvider returns the provider as a connector.OAuthProvider, failing
// the test if it is not one.
func (s Suite[F]) OAuthProvider(t testing.TB) connector.OAuthProvider {
	t.Helper()
	op, ok := s.Provider(t).(connector.OAuthProvider)
	if !ok {
		t.Fatalf("the %s provider is not a connector.OAuthProvider", s.Name)
	}
	return op
}

// ToolList is the connector's tools: Tools, or the registry's.
func (s Suite[F]) ToolList(t testing.TB) []connector.Tool {
	t.Helper()
	if s.Tools != nil {
		return s.Tools(t)
	}
	return s.Provider(t).Tools()
}

// Tool returns the provider's tool called name.
func (s Suite[F]) Tool(t testing.TB, name string) connector.Tool {
	t.Helper()
	for _, tl := range s.ToolList(t) {
		if tl.Name == name {
			return tl
		}
	}
	t.Fatalf("no tool %q", name)
	return connector.Tool{}
}

// Call runs a tool and checks the promise on every outcome: the token
// never appears in the result or the error.
func (s Suite[F]) Call(t testing.TB, up connector.Upstream, name, args string) (string, error) {
	t.Helper()
	return s.CallContext(t, context.Background(), up, name, args)
}

// CallContext is Call with the call's context.
func (s Suite[F]) CallContext(t testing.TB, ctx context.Context, up connector.Upstream, name, args string) (string, error) {
	t.Helper()
	out, err := connector.Call(ctx, s.Tool(t, name), up, json.RawMessage(args))
	s.AssertNoToken(t, out, err)
	return out, err
}

// AssertNoToken fails the test when out or err holds the canary.
func (s Suite[F]) AssertNoToken(t testing.TB, out string, err error) {
	t.Helper()
	if strings.Contains(out, s.Canary) {
		t.Errorf("result contains the token:\n%s", out)
	}
	if err != nil && strings.Contains(err.Error(), s.Canary) {
		t.Errorf("error contains the token: %s", err)
	}
}

// ToolNames lists the tools of ValidArgs in order, so that subtests run
// in the same order every time.
func (s Suite[F]) ToolNames() []string {
	names := make([]string, 0, len(s.ValidArgs))
	for n := range s.ValidArgs {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// CheckIdentifyRefuses checks that Identify with token, which the fake
// does not accept, fails with connector.ErrUnauthorized: that error is
// what makes the gateway refresh or ask for a reconnect.
func (s Suite[F]) CheckIdentifyRefuses(t *testing.T, token string) {
	t.Helper()
	_, up := s.NewFake(t)
	up.Credential = secret.FromString(token)
	_, err := s.Provider(t).Identify(context.Background(), up)
	if !errors.Is(err, connector.ErrUnauthorized) {
		t.Errorf("Identify() error = %v, want ErrUnauthorized", err)
	}
}

// CheckRevoke revokes the connection's token twice. After the first time
// the fake must refuse it (valid says whether the fake accepts a token);
// the second must not be an error, since the grant is gone either way. It
// returns the fake, the Upstream and the Revoker for the connector's own
// checks.
func (s Suite[F]) CheckRevoke(t *testing.T, valid func(fake F, token string) bool) (F, connector.Upstream, connector.Revoker) {
	t.Helper()
	fake, up := s.NewFake(t)
	r, ok := s.Provider(t).(connector.Revoker)
	if !ok {
		t.Fatalf("the %s provider is not a connector.Revoker", s.Name)
	}
	if err := r.Revoke(context.Background(), up, connector.OAuthClient{}); err != nil {
		t.Fatalf("Revoke: %v", err)
	}
	if valid(fake, s.Canary) {
		t.Error("the token still works after Revoke")
	}
	if err := r.Revoke(context.Background(), up, connector.OAuthClient{}); err != nil {
		t.Errorf("revoking a revoked token: %v, want nil", err)
	}
	return fake, up, r
}

// BenchmarkTool measures calls of tool with its ValidArgs against the
// fake, allocations included.
func (s Suite[F]) BenchmarkTool(b *testing.B, tool string) {
	_, up := s.NewFake(b)
	tl := s.Tool(b, tool)
	args := json.RawMessage(s.ValidArgs[tool])
	b.ReportAllocs()
	for b.Loop() {
		if _, err := connector.Call(context.Background(), tl, up, args); err != nil {
			b.Fatal(err)
		}
	}
}
