package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/auth"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/modelcontextprotocol/go-sdk/oauthex"

	"github.com/mcpgate/mcpgate/pkg/connector/github/githubfake"
)

// TestInteropGoSDKOAuth connects the go-sdk's own client OAuth (its
// AuthorizationCodeHandler on the Streamable transport) to the mcpgate
// binary's authorization server. The handler discovers the metadata from
// the 401, registers (by dynamic registration, then by a Client ID Metadata
// Document), sends PKCE S256 and resource; the test plays the person: it
// follows the authorization URL, approves with `mcpgate oauth approve`,
// consents, and hands the code back. Then the client lists and calls tools,
// the audit names the grant, the token is refused at another endpoint, and
// the SDK refreshes an expired token and calls again.
func TestInteropGoSDKOAuth(t *testing.T) {
	mcpgateBinary(t) // built before the clock starts
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()

	docURL, caFile := serveClientMetadata(t, nil,
		`"client_name":"Go SDK Document Client","token_endpoint_auth_method":"none","grant_types":["authorization_code","refresh_token"]`)

	gh := githubfake.New(canary)
	t.Cleanup(gh.Close)
	addr := freePort(t)
	issuer := "http://" + addr
	rig, _ := newGitHubRig(ctx, t, gh, "MCPGATE_DATA_DIR="+t.TempDir(), "MCPGATE_PUBLIC_URL="+issuer,
		"MCPGATE_OAUTH_SERVER_ENABLED=true", "MCPGATE_OAUTH_SERVER_ACCESS_TTL=1m")
	rig.listen = addr
	rig.env = append(rig.env, "MCPGATE_OAUTH_SERVER_CLIENT_METADATA_ALLOW_PRIVATE=true", "SSL_CERT_FILE="+caFile)
	rig.serve(ctx, t)

	t.Run("DynamicRegistration", func(t *testing.T) {
		p := newGoSDKPerson(rig, issuer)
		h, err := auth.NewAuthorizationCodeHandler(&auth.AuthorizationCodeHandlerConfig{
			DynamicClientRegistrationConfig: &auth.DynamicClientRegistrationConfig{Metadata: &oauthex.ClientRegistrationMetadata{
				ClientName: "Go SDK Client", RedirectURIs: []string{clientRedirect}, TokenEndpointAuthMethod: "none",
				GrantTypes: []string{"authorization_code", "refresh_token"}, ResponseTypes: []string{"code"},
			}},
			AuthorizationCodeFetcher: p.fetch,
			RequestRefreshToken:      true,
			Client:                   p.client(),
		})
		if err != nil {
			t.Fatal(err)
		}
		s := p.connect(t, issuer+"/mcp", h)
		defer s.Close()
		clientID := p.checkSignIn(t, issuer+"/mcp")
		if !p.saw("POST /oauth/register") {
			t.Fatalf("the SDK did not register by DCR; its requests: %v", p.requests())
		}
		grant := p.useTools(ctx, t, s, clientID)

		// The token is for /mcp only: at /mcp/github the server refuses it
		// and the SDK goes back to discovery for that resource.
		ts, _ := h.TokenSource(ctx)
		tok, err := ts.Token()
		if err != nil {
			t.Fatal(err)
		}
		if resp := post(t, issuer+"/mcp/github", "Bearer "+tok.AccessToken, nil); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("the /mcp token at /mcp/github: %d, want 401", resp.StatusCode)
		}
		other := newGoSDKPerson(rig, issuer)
		other.refuse = true
		h2, err := auth.NewAuthorizationCodeHandler(&auth.AuthorizationCodeHandlerConfig{
			PreregisteredClient:      &oauthex.ClientCredentials{ClientID: clientID},
			RedirectURL:              clientRedirect,
			AuthorizationCodeFetcher: other.fetch,
			InitialTokenSource:       ts,
			Client:                   other.client(),
		})
		if err != nil {
			t.Fatal(err)
		}
		if s2, err := other.connectErr(issuer+"/mcp/github", h2); err == nil {
			s2.Close()
			t.Fatal("the go-sdk client connected to /mcp/github with the /mcp token")
		}
		if got := other.param("resource"); got != issuer+"/mcp/github" {
			t.Fatalf("after the refusal at /mcp/github the SDK asked to sign in for resource %q, want %s/mcp/github", got, issuer)
		}

		// Refresh: once the one-minute token is near its end, the SDK's
		// token source refreshes it at the token endpoint, and the call
		// after goes through with the new token.
		wait := time.Until(tok.Expiry.Add(-9 * time.Second))
		t.Logf("waiting %s for the access token to near its expiry", wait.Round(time.Second))
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			t.Fatal(ctx.Err())
		}
		if res := call(t, s, "github_list_issues", map[string]any{"owner": "octocat", "repo": "hello-world"}); res.IsError {
			t.Fatalf("tool call after the refresh: %s", text(res))
		}
		if !p.saw("POST /oauth/token refresh_token 200") {
			t.Fatalf("the SDK did not refresh; its requests: %v", p.requests())
		}
		tok2, err := ts.Token()
		if err != nil || tok2.AccessToken == tok.AccessToken || tok2.RefreshToken == tok.RefreshToken {
			t.Fatalf("the token source did not take the rotated tokens (err %v)", err)
		}
		if p.fetches != 1 {
			t.Fatalf("the person was asked to sign in %d times, want once", p.fetches)
		}
		if n := auditCount(ctx, t, rig, grant); n < 2 {
			t.Fatalf("audit records of the grant after the refresh: %d, want 2", n)
		}
		for _, sec := range []string{tok.AccessToken, tok.RefreshToken, tok2.AccessToken, tok2.RefreshToken} {
			if strings.Contains(rig.stderr.String(), sec) || strings.Contains(rig.stdout.String(), sec) {
				t.Error("a token is in serve's log")
			}
		}
	})

	t.Run("ClientIDMetadataDocument", func(t *testing.T) {
		p := newGoSDKPerson(rig, issuer)
		h, err := auth.NewAuthorizationCodeHandler(&auth.AuthorizationCodeHandlerConfig{
			ClientIDMetadataDocumentConfig: &auth.ClientIDMetadataDocumentConfig{URL: docURL},
			RedirectURL:                    clientRedirect,
			AuthorizationCodeFetcher:       p.fetch,
			Client:                         p.client(),
		})
		if err != nil {
			t.Fatal(err)
		}
		s := p.connect(t, issuer+"/mcp", h)
		defer s.Close()
		if clientID := p.checkSignIn(t, issuer+"/mcp"); clientID != docURL {
			t.Fatalf("client_id %q, want the document's URL %s", clientID, docURL)
		}
		if p.saw("POST /oauth/register") {
			t.Fatal("the SDK registered by DCR though it has a metadata document")
		}
		if !strings.Contains(p.consent, "Go SDK Document Client") {
			t.Fatalf("the consent page does not name the client from its document:\n%s", p.consent)
		}
		p.useTools(ctx, t, s, docURL)
	})
}

// goSDKPerson is the person at the browser for the SDK's
// AuthorizationCodeFetcher, and the recorder of the SDK's OAuth requests.
type goSDKPerson struct {
	rig    *sigtermRig
	issuer string
	refuse bool // refuse to sign in, recording the request only

	mu      sync.Mutex
	seen    []string
	authURL *url.URL
	consent string
	fetches int
}

func newGoSDKPerson(rig *sigtermRig, issuer string) *goSDKPerson {
	return &goSDKPerson{rig: rig, issuer: issuer}
}

// client is the handler's HTTP client: it records each request to the
// authorization server (method, path, and a token request's grant type
// and status).
func (p *goSDKPerson) client() *http.Client {
	return &http.Client{Timeout: 20 * time.Second, Transport: recordRT{p}}
}

type recordRT struct{ p *goSDKPerson }

func (r recordRT) RoundTrip(req *http.Request) (*http.Response, error) {
	line := req.Method + " " + req.URL.Path
	if req.URL.Path == "/oauth/token" && req.Body != nil {
		body, err := io.ReadAll(req.Body)
		if err != nil {
			return nil, err
		}
		req.Body = io.NopCloser(bytes.NewReader(body))
		q, _ := url.ParseQuery(string(body))
		line += " " + q.Get("grant_type")
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err == nil && req.URL.Path == "/oauth/token" {
		line += fmt.Sprintf(" %d", resp.StatusCode)
	}
	r.p.mu.Lock()
	r.p.seen = append(r.p.seen, line)
	r.p.mu.Unlock()
	return resp, err
}

func (p *goSDKPerson) requests() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.seen...)
}

func (p *goSDKPerson) saw(prefix string) bool {
	for _, l := range p.requests() {
		if strings.HasPrefix(l, prefix) {
			return true
		}
	}
	return false
}

func (p *goSDKPerson) param(k string) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.authURL == nil {
		return ""
	}
	return p.authURL.Query().Get(k)
}

// fetch follows the authorization URL in a cookie-keeping user agent,
// reads the approval code from the page, approves it with the mcpgate
// binary, consents to all connections and returns what the redirect
// carried. It runs inside the SDK, so it returns errors, never fails t.
func (p *goSDKPerson) fetch(ctx context.Context, a *auth.AuthorizationArgs) (*auth.AuthorizationResult, error) {
	u, err := url.Parse(a.URL)
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	p.authURL, p.fetches = u, p.fetches+1
	p.mu.Unlock()
	if p.refuse {
		return nil, errors.New("the person declines to sign in")
	}
	ua := newUserAgent(nil)
	page, err := uaGet(ua, a.URL)
	if err != nil {
		return nil, err
	}
	m := approvalRE.FindStringSubmatch(page)
	if m == nil {
		return nil, fmt.Errorf("no approval code in the authorization page:\n%s", page)
	}
	cmd := exec.CommandContext(ctx, p.rig.bin, "oauth", "approve", m[1])
	cmd.Env = p.rig.env
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("mcpgate oauth approve: %w\n%s", err, out)
	}
	if page, err = uaGet(ua, p.issuer+"/oauth/continue"); err != nil {
		return nil, err
	}
	p.mu.Lock()
	p.consent = page
	p.mu.Unlock()
	c := csrfRE.FindStringSubmatch(page)
	if c == nil {
		return nil, fmt.Errorf("no consent form:\n%s", page)
	}
	resp, err := ua.PostForm(p.issuer+"/oauth/consent", url.Values{"csrf": {c[1]}, "decision": {"allow"}, "connections": {"all"}})
	if err != nil {
		return nil, err
	}
	resp.Body.Close()
	if ua.landed == nil {
		return nil, fmt.Errorf("consent did not redirect to the client (%d)", resp.StatusCode)
	}
	q := ua.landed.Query()
	return &auth.AuthorizationResult{Code: q.Get("code"), State: q.Get("state"), Iss: q.Get("iss")}, nil
}

func uaGet(ua *userAgent, u string) (string, error) {
	resp, err := ua.Get(u)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("GET %s: %d\n%s", u, resp.StatusCode, body)
	}
	return string(body), err
}

func (p *goSDKPerson) connectErr(endpoint string, h auth.OAuthHandler) (*mcp.ClientSession, error) {
	client := mcp.NewClient(&mcp.Implementation{Name: "go-sdk-oauth-e2e", Version: "1"}, nil)
	tr := &mcp.StreamableClientTransport{Endpoint: endpoint, OAuthHandler: h, HTTPClient: &http.Client{Timeout: 30 * time.Second}}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	return client.Connect(ctx, tr, nil)
}

func (p *goSDKPerson) connect(t *testing.T, endpoint string, h auth.OAuthHandler) *mcp.ClientSession {
	t.Helper()
	s, err := p.connectErr(endpoint, h)
	if err != nil {
		t.Fatalf("connect with the go-sdk OAuth handler: %v\nits requests: %v", err, p.requests())
	}
	return s
}

// checkSignIn checks what the SDK sent to authorize and returns its
// client_id.
func (p *goSDKPerson) checkSignIn(t *testing.T, resource string) string {
	t.Helper()
	if p.fetches != 1 {
		t.Fatalf("the person was asked to sign in %d times, want once", p.fetches)
	}
	if p.param("resource") != resource || p.param("code_challenge_method") != "S256" || p.param("code_challenge") == "" ||
		p.param("response_type") != "code" || p.param("state") == "" {
		t.Fatalf("the SDK's authorization request lacks resource, PKCE S256 or state: %v", p.authURL)
	}
	for _, want := range []string{"GET /.well-known/oauth-protected-resource/mcp", "GET /.well-known/oauth-authorization-server", "POST /oauth/token authorization_code 200"} {
		if !p.saw(want) {
			t.Fatalf("the SDK did not %q; its requests: %v", want, p.requests())
		}
	}
	return p.param("client_id")
}

// useTools lists and calls a tool and finds the calls in the audit under
// the grant's key, whose name it returns.
func (p *goSDKPerson) useTools(ctx context.Context, t *testing.T, s *mcp.ClientSession, clientID string) string {
	t.Helper()
	tools, err := s.ListTools(ctx, nil)
	if err != nil || len(tools.Tools) == 0 {
		t.Fatalf("list tools: %v", err)
	}
	if res := call(t, s, "github_list_issues", map[string]any{"owner": "octocat", "repo": "hello-world"}); res.IsError {
		t.Fatalf("tool call with the SDK's token: %s", text(res))
	}
	var keys []struct {
		Name     string `json:"name"`
		Kind     string `json:"kind"`
		ClientID string `json:"client_id"`
	}
	if err := json.Unmarshal([]byte(p.rig.cli(ctx, t, "", "key", "list", "-o", "json")), &keys); err != nil {
		t.Fatal(err)
	}
	grant := ""
	for _, k := range keys {
		if k.Kind == "oauth" && k.ClientID == clientID {
			grant = k.Name
		}
	}
	if grant == "" {
		t.Fatalf("key list shows no grant for %s: %+v", clientID, keys)
	}
	if n := auditCount(ctx, t, p.rig, grant); n < 1 {
		t.Fatalf("the audit has no github_list_issues call under the grant %s", grant)
	}
	return grant
}

func auditCount(ctx context.Context, t *testing.T, rig *sigtermRig, key string) int {
	t.Helper()
	out := rig.cli(ctx, t, "", "audit", "list", "--key", key, "--tool", "github_list_issues", "--limit", "0", "-o", "json")
	var recs []map[string]any
	if err := json.Unmarshal([]byte(out), &recs); err != nil {
		t.Fatalf("audit list -o json: %v\n%s", err, out)
	}
	return len(recs)
}
