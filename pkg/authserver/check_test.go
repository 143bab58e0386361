package authserver

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/mcpgate/mcpgate/pkg/config"
	"github.com/mcpgate/mcpgate/pkg/store"
	_ "github.com/mcpgate/mcpgate/pkg/store/sqlite"
)

// grantFixture is a server on a real SQLite store with one grant for
// /mcp/github and its access token.
func grantFixture(t testing.TB) (*Server, string, *time.Time) {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, "sqlite://"+filepath.Join(t.TempDir(), "db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if err := st.Privileged().CreateUser(ctx, store.User{ID: "u1", Name: "owner"}, store.DEK{Version: 1, KEKID: "k", Wrapped: []byte{1}}); err != nil {
		t.Fatal(err)
	}
	cfg := &config.Config{PublicURL: "https://gw.example", OAuthServer: config.OAuthServer{Enabled: true, AccessTTL: time.Hour, RefreshTTL: 48 * time.Hour}}
	s := New(Options{Config: cfg, Store: st})
	now := time.Unix(1_800_000_000, 0)
	s.now = func() time.Time { return now }
	access, _, tokens := s.newTokens("u1", "k1", "/mcp/github", now)
	k := store.APIKey{ID: "k1", UserID: "u1", Name: "oauth-x", Hash: "h", CreatedAt: now}
	g := store.OAuthGrant{KeyID: "k1", UserID: "u1", ClientID: "c", ClientName: "c", Resource: "/mcp/github"}
	if err := st.User("u1").CreateOAuthGrant(ctx, k, g, tokens); err != nil {
		t.Fatal(err)
	}
	return s, access, &now
}

func TestCheckAccess(t *testing.T) {
	s, access, now := grantFixture(t)
	ctx := context.Background()
	if o, err := s.CheckAccess(ctx, access, "/mcp/github"); err != nil || o.KeyID != "k1" {
		t.Fatalf("the token at its endpoint: %+v, %v", o, err)
	}
	for name, tc := range map[string]struct{ raw, path string }{
		"at /mcp":             {access, "/mcp"},
		"at another endpoint": {access, "/mcp/slack"},
		"unknown":             {accessPrefix + "AAAA", "/mcp/github"},
		"an mgw_ key":         {"mgw_x", "/mcp/github"},
		"a refresh prefix":    {refreshPrefix + access[len(accessPrefix):], "/mcp/github"},
	} {
		if _, err := s.CheckAccess(ctx, tc.raw, tc.path); !errors.Is(err, ErrInvalidToken) {
			t.Errorf("%s: %v, want ErrInvalidToken", name, err)
		}
	}
	*now = now.Add(time.Hour) // expiry is exclusive, cached or not
	if _, err := s.CheckAccess(ctx, access, "/mcp/github"); !errors.Is(err, ErrInvalidToken) {
		t.Errorf("an expired token: %v, want ErrInvalidToken", err)
	}
}

func TestParseResource(t *testing.T) {
	s := New(Options{Config: &config.Config{PublicURL: "https://gw.example/", OAuthServer: config.OAuthServer{Enabled: true}}})
	for raw, want := range map[string]string{
		"https://gw.example/mcp":        "/mcp",
		"https://gw.example/mcp/github": "/mcp/github",
	} {
		if got, err := s.ParseResource(raw); err != nil || got != want {
			t.Errorf("%s: %q, %v; want %q", raw, got, err, want)
		}
	}
	for _, raw := range []string{"https://gw.example/mcp/", "https://gw.example/mcp?x", "https://gw.example/mcp#f",
		"https://gw.example.evil/mcp", "http://gw.example/mcp", "https://user@gw.example/mcp", "https://gw.example/mcp/../x",
		"https://gw.example/mcp/A", "https://gw.example/mcp%2Fx", "https://gw.example/mcpx", "https://gw.example"} {
		if _, err := s.ParseResource(raw); err == nil {
			t.Errorf("%s accepted", raw)
		}
	}
}

// BenchmarkCheckAccess is the access token's part of a request (the
// grant's key is then read as an mgw_ key's is); compare with
// apikey's BenchmarkVerifyCached.
func BenchmarkCheckAccess(b *testing.B) {
	s, access, _ := grantFixture(b)
	ctx := context.Background()
	if _, err := s.CheckAccess(ctx, access, "/mcp/github"); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.CheckAccess(ctx, access, "/mcp/github"); err != nil {
			b.Fatal(err)
		}
	}
}
