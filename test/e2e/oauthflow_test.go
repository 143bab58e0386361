package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mcpgate/mcpgate/pkg/connector/fakekit"
	"github.com/mcpgate/mcpgate/pkg/store"
)

// The client's redirect URI: nothing listens there; the userAgent below
// stops at it and reads the code from the URL.
const clientRedirect = "http://127.0.0.1:9/callback"

// userAgent is a cookie-keeping HTTP client that stops at the client's
// redirect URI.
type userAgent struct {
	*http.Client
	landed *url.URL
}

func newUserAgent(t *testing.T) *userAgent {
	jar, _ := cookiejar.New(nil)
	b := &userAgent{}
	b.Client = &http.Client{Jar: jar, Timeout: 20 * time.Second, CheckRedirect: func(r *http.Request, _ []*http.Request) error {
		if r.URL.Host == "127.0.0.1:9" {
			b.landed = r.URL
			return http.ErrUseLastResponse
		}
		return nil
	}}
	return b
}

func (b *userAgent) get(t *testing.T, u string) (int, string) {
	t.Helper()
	resp, err := b.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

type pkce struct{ verifier, challenge string }

func newPKCE(seed string) pkce {
	v := strings.Repeat(seed, 64)[:64]
	return pkce{v, fakekit.S256(v)}
}

// registerClient registers a public client by DCR.
func registerClient(t *testing.T, issuer string) string {
	t.Helper()
	resp, err := http.Post(issuer+"/oauth/register", "application/json",
		strings.NewReader(`{"client_name":"Test Client","redirect_uris":["`+clientRedirect+`"],"token_endpoint_auth_method":"none"}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		ClientID string `json:"client_id"`
	}
	if resp.StatusCode != http.StatusCreated || json.NewDecoder(resp.Body).Decode(&out) != nil || out.ClientID == "" {
		t.Fatalf("register: %d", resp.StatusCode)
	}
	return out.ClientID
}

var approvalRE = regexp.MustCompile(`class="approve">([A-Z0-9]{5}-[A-Z0-9]{5})<`)
var csrfRE = regexp.MustCompile(`name="csrf" value="([0-9a-f]{64})"`)

func authorizeURL(issuer, clientID, resource string, p pkce) string {
	return issuer + "/oauth/authorize?" + url.Values{
		"response_type": {"code"}, "client_id": {clientID}, "redirect_uri": {clientRedirect},
		"code_challenge": {p.challenge}, "code_challenge_method": {"S256"}, "resource": {resource}, "state": {"st-1"},
	}.Encode()
}

// signIn runs the userAgent side: authorize, approve from the CLI path,
// consent; it returns the authorization code.
func signIn(t *testing.T, g *gw, issuer, clientID, resource string, p pkce, form url.Values) string {
	t.Helper()
	b := newUserAgent(t)
	code, page := b.get(t, authorizeURL(issuer, clientID, resource, p))
	m := approvalRE.FindStringSubmatch(page)
	if code != http.StatusOK || m == nil {
		t.Fatalf("authorize: %d, no approval code in the page:\n%s", code, page)
	}
	if _, _, err := g.App.ApproveOAuth(context.Background(), g.Owner, strings.ToLower(m[1])); err != nil {
		t.Fatal(err)
	}
	if _, _, err := g.App.ApproveOAuth(context.Background(), g.Owner, m[1]); err == nil {
		t.Fatal("an approval code approved twice")
	}
	_, page = b.get(t, issuer+"/oauth/continue")
	c := csrfRE.FindStringSubmatch(page)
	if c == nil || !strings.Contains(page, "Test Client") || !strings.Contains(page, "registered itself") {
		t.Fatalf("consent page lacks the form, the client's name or the self-registration warning:\n%s", page)
	}
	if form == nil {
		form = url.Values{"decision": {"allow"}}
		if strings.HasSuffix(resource, "/mcp") {
			form.Set("connections", "all")
		}
	}
	form.Set("csrf", c[1])
	resp, err := b.PostForm(issuer+"/oauth/consent", form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if b.landed == nil {
		t.Fatalf("consent did not redirect to the client (%d)", resp.StatusCode)
	}
	q := b.landed.Query()
	if q.Get("iss") != issuer || q.Get("state") != "st-1" {
		t.Fatalf("redirect %v lacks iss or state", b.landed)
	}
	return q.Get("code")
}

type tokenReply struct {
	Status  int
	Access  string `json:"access_token"`
	Refresh string `json:"refresh_token"`
	Error   string `json:"error"`
	Desc    string `json:"error_description"`
}

func tokenRequest(t *testing.T, issuer string, form url.Values) tokenReply {
	t.Helper()
	resp, err := http.PostForm(issuer+"/oauth/token", form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var r tokenReply
	_ = json.NewDecoder(resp.Body).Decode(&r)
	r.Status = resp.StatusCode
	return r
}

func exchange(t *testing.T, issuer, clientID, code, resource string, p pkce) tokenReply {
	return tokenRequest(t, issuer, url.Values{"grant_type": {"authorization_code"}, "client_id": {clientID}, "code": {code},
		"redirect_uri": {clientRedirect}, "code_verifier": {p.verifier}, "resource": {resource}})
}

func connectWith(t *testing.T, endpoint, token string) (*mcp.ClientSession, error) {
	client := mcp.NewClient(&mcp.Implementation{Name: "oauth-e2e", Version: "1"}, nil)
	tr := &mcp.StreamableClientTransport{Endpoint: endpoint, HTTPClient: &http.Client{Transport: bearerRT{key: token}, Timeout: 30 * time.Second}}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return client.Connect(ctx, tr, nil)
}

func TestOAuthFlowIssuesAGrantThatActsLikeAKey(t *testing.T) {
	g, issuer := startAuthServerGateway(t)
	clientID := registerClient(t, issuer)
	p := newPKCE("a")
	code := signIn(t, g, issuer, clientID, issuer+"/mcp", p, url.Values{"decision": {"allow"}, "connections": {"all"}, "read_only": {"on"}})
	tok := exchange(t, issuer, clientID, code, issuer+"/mcp", p)
	if tok.Status != http.StatusOK || !strings.HasPrefix(tok.Access, "mgo_at_") || !strings.HasPrefix(tok.Refresh, "mgo_rt_") {
		t.Fatalf("token exchange: %+v", tok)
	}

	// The token calls tools, under the consented (read-only) policy.
	s, err := connectWith(t, g.URL, tok.Access)
	if err != nil {
		t.Fatalf("connect with the access token: %v", err)
	}
	defer s.Close()
	if res := call(t, s, "github_list_issues", map[string]any{"owner": "octocat", "repo": "hello-world"}); res.IsError {
		t.Fatalf("read-only tool refused: %s", text(res))
	}
	if res, err := s.CallTool(context.Background(), toolParams("github_create_issue", map[string]any{"owner": "octocat", "repo": "hello-world", "title": "x"})); err == nil && !res.IsError {
		t.Fatal("a writing tool ran under a read-only consent")
	}

	// The grant is a key: listed, audited by name, revoked like one.
	keys, err := g.App.APIKeys(context.Background(), g.Owner)
	if err != nil {
		t.Fatal(err)
	}
	grants, _ := g.App.OAuthGrants(context.Background(), g.Owner)
	var grantKey store.APIKey
	for _, k := range keys {
		if gr, ok := grants[k.ID]; ok && gr.ClientID == clientID {
			grantKey = k
		}
	}
	if grantKey.ID == "" || !strings.HasPrefix(grantKey.Name, "oauth-test-client-") {
		t.Fatalf("no grant key for the client among %+v", keys)
	}
	recs, err := g.App.Store.User(g.Owner.ID).ListAudit(context.Background(), store.AuditFilter{KeyID: grantKey.ID})
	if err != nil || len(recs) < 2 {
		t.Fatalf("audit records of the grant: %d, %v", len(recs), err)
	}

	// Refresh rotates; the old refresh token presented again revokes all.
	ref := tokenRequest(t, issuer, url.Values{"grant_type": {"refresh_token"}, "client_id": {clientID}, "refresh_token": {tok.Refresh}})
	if ref.Status != http.StatusOK || ref.Access == "" || ref.Refresh == tok.Refresh {
		t.Fatalf("refresh: %+v", ref)
	}
	if resp := post(t, g.URL, "Bearer "+ref.Access, nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("refreshed access token: %d", resp.StatusCode)
	}
	again := tokenRequest(t, issuer, url.Values{"grant_type": {"refresh_token"}, "client_id": {clientID}, "refresh_token": {tok.Refresh}})
	if again.Status != http.StatusBadRequest || again.Error != "invalid_grant" || again.Access != "" {
		t.Fatalf("reused refresh token: %+v", again)
	}
	for _, a := range []string{tok.Access, ref.Access} {
		if resp := post(t, g.URL, "Bearer "+a, nil); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("access token after refresh reuse: %d, want 401", resp.StatusCode)
		}
	}
	if r := tokenRequest(t, issuer, url.Values{"grant_type": {"refresh_token"}, "client_id": {clientID}, "refresh_token": {ref.Refresh}}); r.Status == http.StatusOK {
		t.Fatal("the newest refresh token of a revoked grant still works")
	}

	// An mgw_ key still works.
	if resp := post(t, g.URL, "Bearer "+g.Key, nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("mgw_ key: %d", resp.StatusCode)
	}
	// Nothing secret in the logs or the database in clear.
	for _, sec := range []string{tok.Access, tok.Refresh, ref.Access, ref.Refresh, code, p.verifier} {
		if strings.Contains(g.Logs.String(), sec) {
			t.Errorf("a token, code or verifier is in the log")
		}
	}
	assertNotInDB(t, g, tok.Access, tok.Refresh, ref.Access, ref.Refresh, code, p.verifier)
}

func TestOAuthKeyRevokeRefusesTheGrant(t *testing.T) {
	g, issuer := startAuthServerGateway(t)
	clientID := registerClient(t, issuer)
	p := newPKCE("b")
	tok := exchange(t, issuer, clientID, signIn(t, g, issuer, clientID, issuer+"/mcp", p, nil), issuer+"/mcp", p)
	if resp := post(t, g.URL, "Bearer "+tok.Access, nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("access token: %d", resp.StatusCode)
	}
	keys, _ := g.App.APIKeys(context.Background(), g.Owner)
	grants, _ := g.App.OAuthGrants(context.Background(), g.Owner)
	for _, k := range keys {
		if _, ok := grants[k.ID]; ok {
			if err := g.App.RevokeKey(context.Background(), g.Owner, k.Name); err != nil {
				t.Fatal(err)
			}
		}
	}
	if resp := post(t, g.URL, "Bearer "+tok.Access, nil); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("access token of a revoked grant: %d, want 401", resp.StatusCode)
	}
}

// assertNotInDB reads the database's files, WAL included, for secrets.
func assertNotInDB(t *testing.T, g *gw, secrets ...string) {
	t.Helper()
	var all []byte
	for _, f := range []string{g.DBPath, g.DBPath + "-wal"} {
		b, err := os.ReadFile(f)
		if err == nil {
			all = append(all, b...)
		}
	}
	if len(all) == 0 {
		t.Fatal("read no database file")
	}
	for _, s := range secrets {
		if s != "" && bytes.Contains(all, []byte(s)) {
			t.Errorf("a secret (%s…) is in the database in clear", s[:8])
		}
	}
}
