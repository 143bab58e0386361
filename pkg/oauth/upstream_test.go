package oauth_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mcpgate/mcpgate/pkg/mcpauth"
	"github.com/mcpgate/mcpgate/pkg/mcpauth/mcpauthtest"
	"github.com/mcpgate/mcpgate/pkg/oauth"
	"github.com/mcpgate/mcpgate/pkg/secret"
	"github.com/mcpgate/mcpgate/pkg/store"
	"github.com/mcpgate/mcpgate/pkg/vault"
)

const mcpRedirect = "http://127.0.0.1:8976/oauth/callback"

// loopback is what the tests' servers need: plain http on 127.0.0.1.
var loopback = mcpauth.Options{AllowLoopbackHTTP: true}

// connectMCP runs the whole upstream flow against the server at serverURL
// as `connect add mcp` does: probe, discover, register, begin, the AS's
// redirect (approved at once), the callback with its iss, confirmation.
func connectMCP(t *testing.T, f *fixture, serverURL string, ro mcpauth.RegisterOptions, o mcpauth.Options) (store.Connection, error) {
	t.Helper()
	ctx := context.Background()
	ch, needs, err := mcpauth.Probe(ctx, serverURL, o)
	if err != nil {
		return store.Connection{}, err
	}
	if !needs {
		t.Fatal("the protected server did not answer 401")
	}
	s, err := mcpauth.Discover(ctx, serverURL, ch, o)
	if err != nil {
		return store.Connection{}, err
	}
	if ro.RedirectURL == "" {
		ro.RedirectURL = mcpRedirect
	}
	client, err := mcpauth.Register(ctx, s, ro, o)
	if err != nil {
		return store.Connection{}, err
	}
	p, err := f.flow.BeginMCP(ctx, f.user, "remote", s, client, nil, ro.RedirectURL)
	if err != nil {
		return store.Connection{}, err
	}
	q := authorize(t, p.URL)
	if q.Get("error") != "" {
		t.Fatalf("the authorization server refused: %s", q.Get("error"))
	}
	held, err := f.flow.HoldFrom(ctx, q.Get("state"), q.Get("code"), q.Get("iss"))
	if err != nil {
		return store.Connection{}, err
	}
	return f.flow.Confirm(ctx, held.Token)
}

// authorize follows the authorization URL to the AS's redirect and returns
// the redirect's query.
func authorize(t *testing.T, authURL string) url.Values {
	t.Helper()
	nf := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := nf.Get(authURL)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusFound {
		t.Fatalf("authorization answered %d, want a redirect", res.StatusCode)
	}
	loc, err := url.Parse(res.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	return loc.Query()
}

// session connects a go-sdk client to endpoint through the connection's
// transport.
func session(t *testing.T, f *fixture, tokens *oauth.Tokens, c store.Connection, endpoint string) *mcp.ClientSession {
	t.Helper()
	cred, err := f.flow.Vault.Open(context.Background(), c.UserID, vault.PurposeCredential, c.ID, c.Credential)
	if err != nil {
		t.Fatal(err)
	}
	hc := &http.Client{Transport: tokens.Transport(c, cred, nil)}
	cl := mcp.NewClient(&mcp.Implementation{Name: "test", Version: "1"}, nil)
	s, err := cl.Connect(context.Background(), &mcp.StreamableClientTransport{Endpoint: endpoint, HTTPClient: hc, DisableStandaloneSSE: true}, nil)
	if err != nil {
		t.Fatalf("connect through the transport: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func whoami(t *testing.T, s *mcp.ClientSession) error {
	t.Helper()
	res, err := s.CallTool(context.Background(), &mcp.CallToolParams{Name: "whoami"})
	if err != nil {
		return err
	}
	if res.IsError {
		t.Fatalf("whoami failed: %+v", res.Content)
	}
	return nil
}

// cimdHost serves mcpgate's client metadata document over https, as serve
// does at an https public_url, and returns the registration options that
// use it.
func cimdHost(t *testing.T) (mcpauth.RegisterOptions, *http.Client) {
	var doc mcpauth.ClientMetadata
	mux := http.NewServeMux()
	mux.Handle(mcpauth.ClientMetadataPath, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { doc.Handler().ServeHTTP(w, r) }))
	srv := httptest.NewUnstartedServer(mux)
	public := "https://" + srv.Listener.Addr().String()
	doc, _ = mcpauth.MetadataFor(public, oauth.CallbackPath)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return mcpauth.RegisterOptions{RedirectURL: doc.RedirectURIs[0], MetadataURL: doc.ClientID, MetadataRedirects: doc.RedirectURIs}, srv.Client()
}

func TestMCPOAuthConnectsByEachRegistration(t *testing.T) {
	cases := []struct {
		name   string
		as     mcpauthtest.ASOptions
		mcp    mcpauthtest.MCPOptions
		method string
		pre    func(as *mcpauthtest.AS) mcpauth.RegisterOptions
		cimd   bool
	}{
		{name: "dynamic registration", as: mcpauthtest.ASOptions{DCR: true}, method: mcpauth.MethodDCR},
		{name: "client ID metadata document before dynamic registration", as: mcpauthtest.ASOptions{DCR: true, CIMD: true}, method: mcpauth.MethodCIMD, cimd: true},
		{name: "pre-registered confidential client", as: mcpauthtest.ASOptions{}, method: mcpauth.MethodPreRegistered,
			pre: func(as *mcpauthtest.AS) mcpauth.RegisterOptions {
				as.PreRegister("by-hand", "by-hand-secret", mcpRedirect)
				return mcpauth.RegisterOptions{ClientID: "by-hand", ClientSecret: secret.FromString("by-hand-secret")}
			}},
		{name: "pre-registered public client", as: mcpauthtest.ASOptions{DCR: true}, method: mcpauth.MethodPreRegistered,
			pre: func(as *mcpauthtest.AS) mcpauth.RegisterOptions {
				as.PreRegister("public-by-hand", "", mcpRedirect)
				return mcpauth.RegisterOptions{ClientID: "public-by-hand"}
			}},
		{name: "issuer with a path (RFC 8414 path insertion)", as: mcpauthtest.ASOptions{DCR: true, Path: "/tenant/one"}, method: mcpauth.MethodDCR},
		{name: "metadata at the well-known URL, not named by the 401", as: mcpauthtest.ASOptions{DCR: true}, mcp: mcpauthtest.MCPOptions{NoChallengeURL: true}, method: mcpauth.MethodDCR},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := setup(t)
			var ro mcpauth.RegisterOptions
			if tc.cimd {
				var hc *http.Client
				ro, hc = cimdHost(t)
				tc.as.CIMDClient = hc
			}
			as := mcpauthtest.NewAS(tc.as)
			t.Cleanup(as.Close)
			if tc.pre != nil {
				ro = tc.pre(as)
			}
			m := mcpauthtest.NewMCP(as, tc.mcp)
			t.Cleanup(m.Close)
			c, err := connectMCP(t, f, m.URL, ro, loopback)
			if err != nil {
				t.Fatal(err)
			}
			if c.Provider != oauth.ProviderMCP || c.APIURL != m.URL || c.Status != oauth.StatusOK || c.Scopes != "mcp" {
				t.Fatalf("connection: provider %q, url %q, status %q, scopes %q", c.Provider, c.APIURL, c.Status, c.Scopes)
			}
			tokens := &oauth.Tokens{Flow: f.flow}
			if err := whoami(t, session(t, f, tokens, c, m.URL)); err != nil {
				t.Fatal(err)
			}
			counts, resources := as.Snapshot()
			if tc.method == mcpauth.MethodDCR && counts.Registrations != 1 {
				t.Fatalf("registrations = %d, want 1", counts.Registrations)
			}
			if tc.method != mcpauth.MethodDCR && counts.Registrations != 0 {
				t.Fatalf("registered dynamically although %s was available", tc.method)
			}
			if tc.cimd && counts.CIMDFetches == 0 {
				t.Fatal("the AS never fetched mcpgate's client metadata document")
			}
			if got := strings.Join(resources, " "); got != m.URL+" "+m.URL {
				t.Fatalf("resource on the authorization and token requests = %q, want %q twice", got, m.URL)
			}
			stored := readDB(t, f)
			if strings.Contains(stored, `"access_token"`) || strings.Contains(stored, "dcr-secret-") || strings.Contains(stored, "by-hand-secret") {
				t.Fatal("a token or client secret is stored unsealed")
			}
		})
	}
}

func readDB(t *testing.T, f *fixture) string {
	raw, _ := os.ReadFile(f.dbPath + "-wal")
	db, _ := os.ReadFile(f.dbPath)
	return string(raw) + string(db)
}

func TestMCPOAuthRefreshesOnceWithTheResource(t *testing.T) {
	f := setup(t)
	as := mcpauthtest.NewAS(mcpauthtest.ASOptions{DCR: true})
	t.Cleanup(as.Close)
	m := mcpauthtest.NewMCP(as, mcpauthtest.MCPOptions{})
	t.Cleanup(m.Close)
	c, err := connectMCP(t, f, m.URL, mcpauth.RegisterOptions{}, loopback)
	if err != nil {
		t.Fatal(err)
	}
	tokens := &oauth.Tokens{Flow: f.flow}
	sessions := make([]*mcp.ClientSession, 8)
	for i := range sessions {
		sessions[i] = session(t, f, tokens, c, m.URL)
	}
	// The server now refuses the token it accepted: every session's next
	// call gets a 401, and the connection must refresh once, not eight
	// times (the AS rotates refresh tokens, so a second refresh with the
	// spent one would fail).
	as.ExpireAccessTokens()
	var wg sync.WaitGroup
	errs := make([]error, len(sessions))
	for i, s := range sessions {
		wg.Go(func() { errs[i] = whoami(t, s) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("call %d after expiry: %v", i, err)
		}
	}
	counts, resources := as.Snapshot()
	if counts.Refreshes != 1 || counts.RefreshAttempts != 1 {
		t.Fatalf("refreshes = %d (%d attempted), want 1", counts.Refreshes, counts.RefreshAttempts)
	}
	if last := resources[len(resources)-1]; last != m.URL {
		t.Fatalf("resource on the refresh = %q, want %q", last, m.URL)
	}
	// The refreshed token was stored sealed with the registration that
	// refreshes it: a new session (a restarted serve) uses it, and the
	// next expiry refreshes again.
	cur, err := f.flow.Store.User(f.user.ID).Connection(context.Background(), "remote")
	if err != nil {
		t.Fatal(err)
	}
	as.ExpireAccessTokens()
	if err := whoami(t, session(t, f, &oauth.Tokens{Flow: f.flow}, cur, m.URL)); err != nil {
		t.Fatal(err)
	}
	if counts, _ := as.Snapshot(); counts.Refreshes != 2 {
		t.Fatalf("refreshes = %d, want 2", counts.Refreshes)
	}
}

func TestMCPOAuthChecksTheIssuerOfTheResponse(t *testing.T) {
	cases := []struct {
		name       string
		advertised bool
		iss        mcpauthtest.Iss
		ok         bool
	}{
		{"advertised and right", true, mcpauthtest.IssRight, true},
		{"advertised and missing", true, mcpauthtest.IssNone, false},
		{"advertised and wrong", true, mcpauthtest.IssWrong, false},
		{"not advertised and wrong", false, mcpauthtest.IssWrong, false},
		{"not advertised and missing", false, mcpauthtest.IssNone, true},
		{"not advertised but right", false, mcpauthtest.IssRight, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := setup(t)
			as := mcpauthtest.NewAS(mcpauthtest.ASOptions{DCR: true, IssParameter: tc.advertised, Iss: tc.iss})
			t.Cleanup(as.Close)
			m := mcpauthtest.NewMCP(as, mcpauthtest.MCPOptions{})
			t.Cleanup(m.Close)
			_, err := connectMCP(t, f, m.URL, mcpauth.RegisterOptions{}, loopback)
			if tc.ok && err != nil {
				t.Fatal(err)
			}
			if !tc.ok && !errors.Is(err, oauth.ErrWrongIssuer) {
				t.Fatalf("err = %v, want ErrWrongIssuer", err)
			}
			if counts, _ := as.Snapshot(); !tc.ok && counts.Exchanges != 0 {
				t.Fatal("the code was exchanged although the response's issuer was refused")
			}
		})
	}
}

func TestMCPOAuthRefusesUntrustworthyMetadata(t *testing.T) {
	t.Run("protected resource metadata for another resource", func(t *testing.T) {
		as := mcpauthtest.NewAS(mcpauthtest.ASOptions{DCR: true})
		t.Cleanup(as.Close)
		m := mcpauthtest.NewMCP(as, mcpauthtest.MCPOptions{Resource: "https://other.example/mcp"})
		t.Cleanup(m.Close)
		_, err := connectMCP(t, setup(t), m.URL, mcpauth.RegisterOptions{}, loopback)
		if err == nil || !strings.Contains(err.Error(), "RFC 9728") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("authorization server metadata naming another issuer", func(t *testing.T) {
		as := mcpauthtest.NewAS(mcpauthtest.ASOptions{DCR: true, MetadataIssuer: "https://evil.example"})
		t.Cleanup(as.Close)
		m := mcpauthtest.NewMCP(as, mcpauthtest.MCPOptions{})
		t.Cleanup(m.Close)
		_, err := connectMCP(t, setup(t), m.URL, mcpauth.RegisterOptions{}, loopback)
		if err == nil || !strings.Contains(err.Error(), "RFC 8414") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("an authorization server over plain http", func(t *testing.T) {
		as := mcpauthtest.NewAS(mcpauthtest.ASOptions{DCR: true})
		t.Cleanup(as.Close)
		m := mcpauthtest.NewMCP(as, mcpauthtest.MCPOptions{TLS: true})
		t.Cleanup(m.Close)
		_, err := connectMCP(t, setup(t), m.URL, mcpauth.RegisterOptions{}, mcpauth.Options{HTTP: m.Client()})
		if err == nil || !strings.Contains(err.Error(), "does not use https") || !strings.Contains(err.Error(), as.Issuer()) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("an MCP server over plain http", func(t *testing.T) {
		as := mcpauthtest.NewAS(mcpauthtest.ASOptions{DCR: true})
		t.Cleanup(as.Close)
		m := mcpauthtest.NewMCP(as, mcpauthtest.MCPOptions{})
		t.Cleanup(m.Close)
		_, _, err := mcpauth.Probe(context.Background(), m.URL, mcpauth.Options{})
		if err == nil || !strings.Contains(err.Error(), "does not use https") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("no registration possible", func(t *testing.T) {
		as := mcpauthtest.NewAS(mcpauthtest.ASOptions{})
		t.Cleanup(as.Close)
		m := mcpauthtest.NewMCP(as, mcpauthtest.MCPOptions{})
		t.Cleanup(m.Close)
		_, err := connectMCP(t, setup(t), m.URL, mcpauth.RegisterOptions{}, loopback)
		if err == nil || !strings.Contains(err.Error(), "--client-id") {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestMCPOAuthStepUpAsksToAuthoriseAgain(t *testing.T) {
	f := setup(t)
	as := mcpauthtest.NewAS(mcpauthtest.ASOptions{DCR: true})
	t.Cleanup(as.Close)
	m := mcpauthtest.NewMCP(as, mcpauthtest.MCPOptions{})
	t.Cleanup(m.Close)
	ctx := context.Background()
	ch, _, err := mcpauth.Probe(ctx, m.URL, loopback)
	if err != nil {
		t.Fatal(err)
	}
	s, err := mcpauth.Discover(ctx, m.URL, ch, loopback)
	if err != nil {
		t.Fatal(err)
	}
	client, err := mcpauth.Register(ctx, s, mcpauth.RegisterOptions{RedirectURL: mcpRedirect}, loopback)
	if err != nil {
		t.Fatal(err)
	}
	p, err := f.flow.BeginMCP(ctx, f.user, "remote", s, client, []string{"mcp"}, mcpRedirect)
	if err != nil {
		t.Fatal(err)
	}
	q := authorize(t, p.URL)
	c, err := f.flow.Complete(ctx, q.Get("state"), q.Get("code"))
	if err != nil {
		t.Fatal(err)
	}
	sess := session(t, f, &oauth.Tokens{Flow: f.flow}, c, m.URL)
	if err := whoami(t, sess); err != nil {
		t.Fatal(err)
	}
	m.Require("mcp", "admin")
	err = whoami(t, sess)
	if err == nil || !strings.Contains(err.Error(), "insufficient_scope") || !strings.Contains(err.Error(), "mcpgate connect add mcp --name remote --url "+m.URL) {
		t.Fatalf("err = %v", err)
	}
}
