package e2e

import (
	"context"
	"database/sql"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// authorizeLanding runs the authorize request in a user agent and reports
// where it ended: the client's redirect URI (with its query), or an
// mcpgate page (status and body).
func authorizeLanding(t *testing.T, u string) (*url.URL, int, string) {
	t.Helper()
	b := newUserAgent(t)
	code, body := b.get(t, u)
	return b.landed, code, body
}

func TestOAuthAuthorizeRefusals(t *testing.T) {
	g, issuer := startAuthServerGateway(t)
	_ = g
	clientID := registerClient(t, issuer)
	p := newPKCE("c")
	base := url.Values{
		"response_type": {"code"}, "client_id": {clientID}, "redirect_uri": {clientRedirect}, "code_challenge": {p.challenge},
		"code_challenge_method": {"S256"}, "resource": {issuer + "/mcp"}, "state": {"s"},
	}
	with := func(k, v string) string {
		q := url.Values{}
		for kk, vv := range base {
			q[kk] = vv
		}
		if v == "" {
			q.Del(k)
		} else {
			q.Set(k, v)
		}
		return issuer + "/oauth/authorize?" + q.Encode()
	}
	// Refused on mcpgate's own page, never redirected: the client or the
	// redirect URI cannot be trusted.
	for name, u := range map[string]string{
		"unknown client":                    with("client_id", "mgo_c_nope"),
		"unregistered redirect":             with("redirect_uri", "https://evil.example/callback"),
		"redirect with another path":        with("redirect_uri", "http://127.0.0.1:9/callback/../evil"),
		"redirect on another loopback host": with("redirect_uri", "http://localhost:9/callback"),
		"no redirect":                       with("redirect_uri", ""),
		"redirect with userinfo":            with("redirect_uri", "http://evil@127.0.0.1:9/callback"),
		"repeated parameter":                issuer + "/oauth/authorize?" + base.Encode() + "&redirect_uri=https://evil.example/",
	} {
		landed, code, body := authorizeLanding(t, u)
		if landed != nil || code != http.StatusBadRequest || approvalRE.MatchString(body) {
			t.Errorf("%s: landed %v, status %d; want mcpgate's 400 page and no redirect", name, landed, code)
		}
	}
	// Refused back to the client, with iss and state, and no approval page.
	for name, tc := range map[string]struct{ u, err string }{
		"plain PKCE":         {with("code_challenge_method", "plain"), "invalid_request"},
		"no PKCE":            {with("code_challenge", ""), "invalid_request"},
		"short challenge":    {with("code_challenge", "abc"), "invalid_request"},
		"no resource":        {with("resource", ""), "invalid_target"},
		"foreign resource":   {with("resource", "https://evil.example/mcp"), "invalid_target"},
		"resource elsewhere": {with("resource", issuer+"/healthz"), "invalid_target"},
		"resource w/ query":  {with("resource", issuer+"/mcp?x=1"), "invalid_target"},
		"resource w/ dots":   {with("resource", issuer+"/mcp/../mcp"), "invalid_target"},
		"token response":     {with("response_type", "token"), "unsupported_response_type"},
	} {
		landed, _, _ := authorizeLanding(t, tc.u)
		if landed == nil || landed.Query().Get("error") != tc.err || landed.Query().Get("iss") != issuer || landed.Query().Get("code") != "" {
			t.Errorf("%s: landed %v, want error=%s with iss", name, landed, tc.err)
		}
	}
	// A loopback redirect may change its port (RFC 8252).
	landed, code, body := authorizeLanding(t, with("redirect_uri", "http://127.0.0.1:5555/callback"))
	if landed != nil || code != http.StatusOK || !approvalRE.MatchString(body) {
		t.Errorf("loopback redirect on another port: landed %v, status %d", landed, code)
	}
	// The pages forbid framing and everything external.
	resp, err := http.Get(with("client_id", "mgo_c_nope"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") || !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("CSP %q", csp)
	}
}

func TestOAuthTokenRefusals(t *testing.T) {
	g, issuer := startAuthServerGateway(t)
	clientID := registerClient(t, issuer)
	resource := issuer + "/mcp"
	fresh := func(seed string) (string, pkce) {
		p := newPKCE(seed)
		return signIn(t, g, issuer, clientID, resource, p, nil), p
	}
	refused := func(name string, r tokenReply, wantErr string) {
		t.Helper()
		if r.Status == http.StatusOK || r.Access != "" || r.Refresh != "" || r.Error != wantErr || r.Desc == "" {
			t.Errorf("%s: %+v, want %s with a description and no token", name, r, wantErr)
		}
	}
	form := func(code string, p pkce, k, v string) url.Values {
		f := url.Values{"grant_type": {"authorization_code"}, "client_id": {clientID}, "code": {code},
			"redirect_uri": {clientRedirect}, "code_verifier": {p.verifier}, "resource": {resource}}
		f.Set(k, v)
		return f
	}

	code, p := fresh("d")
	refused("PKCE mismatch", tokenRequest(t, issuer, form(code, p, "code_verifier", newPKCE("e").verifier)), "invalid_grant")
	refused("the code is spent by a failed try", exchange(t, issuer, clientID, code, resource, p), "invalid_grant")

	code, p = fresh("f")
	refused("wrong redirect_uri", tokenRequest(t, issuer, form(code, p, "redirect_uri", "http://127.0.0.1:9/other")), "invalid_grant")

	code, p = fresh("g")
	refused("wrong resource", tokenRequest(t, issuer, form(code, p, "resource", issuer+"/mcp/github")), "invalid_target")

	code, p = fresh("h")
	if r := tokenRequest(t, issuer, form(code, p, "client_id", "mgo_c_other")); r.Status != http.StatusUnauthorized || r.Access != "" {
		t.Errorf("unknown client: %+v", r)
	}

	// Code reuse: refused, and the tokens the first use gave are revoked.
	code, p = fresh("i")
	first := exchange(t, issuer, clientID, code, resource, p)
	if first.Status != http.StatusOK {
		t.Fatalf("exchange: %+v", first)
	}
	refused("code reuse", exchange(t, issuer, clientID, code, resource, p), "invalid_grant")
	if resp := post(t, g.URL, "Bearer "+first.Access, nil); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("access token of a replayed code: %d, want 401", resp.StatusCode)
	}

	// An expired code (its expiry moved into the past in the database).
	code, p = fresh("j")
	db, err := sql.Open("sqlite", "file:"+g.DBPath+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.ExecContext(context.Background(), "UPDATE oauth_requests SET code_expires_at = 1 WHERE code_hash <> '' AND grant_key_id = ''"); err != nil {
		t.Fatal(err)
	}
	refused("expired code", exchange(t, issuer, clientID, code, resource, p), "invalid_grant")

	// A token for one endpoint is refused at another.
	p = newPKCE("k")
	code = signIn(t, g, issuer, clientID, issuer+"/mcp/github", p, nil)
	other := exchange(t, issuer, clientID, code, issuer+"/mcp/github", p)
	if other.Status != http.StatusOK {
		t.Fatalf("exchange for /mcp/github: %+v", other)
	}
	resp := post(t, g.URL, "Bearer "+other.Access, nil)
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(resp.Header.Get("WWW-Authenticate"), `error="invalid_token"`) {
		t.Errorf("token for /mcp/github at /mcp: %d %q, want 401 invalid_token", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
	}

	// Revocation (RFC 7009) refuses the grant's next request.
	code, p = fresh("l")
	tok := exchange(t, issuer, clientID, code, resource, p)
	rv, err := http.PostForm(issuer+"/oauth/revoke", url.Values{"client_id": {clientID}, "token": {tok.Refresh}})
	if err != nil {
		t.Fatal(err)
	}
	rv.Body.Close()
	if rv.StatusCode != http.StatusOK {
		t.Fatalf("revoke: %d", rv.StatusCode)
	}
	if resp := post(t, g.URL, "Bearer "+tok.Access, nil); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("access token of a revoked grant: %d, want 401", resp.StatusCode)
	}
	if strings.Contains(g.Logs.String(), "mgo_at_") || strings.Contains(g.Logs.String(), "mgo_rt_") || strings.Contains(g.Logs.String(), "mgo_ac_") {
		t.Error("a token or code is in the log")
	}
}

func TestOAuthConsentNeedsItsCSRFToken(t *testing.T) {
	g, issuer := startAuthServerGateway(t)
	clientID := registerClient(t, issuer)
	b := newUserAgent(t)
	_, page := b.get(t, authorizeURL(issuer, clientID, issuer+"/mcp", newPKCE("m")))
	m := approvalRE.FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no approval code")
	}
	if _, _, err := g.App.ApproveOAuth(context.Background(), g.Owner, m[1]); err != nil {
		t.Fatal(err)
	}
	for name, f := range map[string]url.Values{
		"no token":    {"decision": {"allow"}},
		"wrong token": {"decision": {"allow"}, "csrf": {strings.Repeat("0", 64)}},
	} {
		resp, err := b.PostForm(issuer+"/oauth/consent", f)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden || b.landed != nil {
			t.Errorf("%s: %d, landed %v; want 403 and no redirect", name, resp.StatusCode, b.landed)
		}
	}
	// Declining returns access_denied.
	_, page = b.get(t, issuer+"/oauth/continue")
	c := csrfRE.FindStringSubmatch(page)
	if c == nil {
		t.Fatal("no consent form")
	}
	resp, err := b.PostForm(issuer+"/oauth/consent", url.Values{"decision": {"deny"}, "csrf": {c[1]}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if b.landed == nil || b.landed.Query().Get("error") != "access_denied" || b.landed.Query().Get("code") != "" {
		t.Errorf("decline: landed %v, want error=access_denied", b.landed)
	}
}

func TestOAuthRegistrationIsBounded(t *testing.T) {
	_, issuer := startAuthServerGateway(t)
	register := func(body string) int {
		resp, err := http.Post(issuer+"/oauth/register", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for name, body := range map[string]string{
		"no redirect":       `{"client_name":"x"}`,
		"http redirect":     `{"redirect_uris":["http://app.example/cb"]}`,
		"confidential":      `{"redirect_uris":["https://app.example/cb"],"token_endpoint_auth_method":"client_secret_basic"}`,
		"not json":          `redirect_uris=https://app.example/cb`,
		"fragment redirect": `{"redirect_uris":["https://app.example/cb#x"]}`,
		"oversized":         `{"client_name":"` + strings.Repeat("x", 20<<10) + `","redirect_uris":["https://app.example/cb"]}`,
	} {
		if code := register(body); code != http.StatusBadRequest {
			t.Errorf("%s: %d, want 400", name, code)
		}
	}
	// Those six counted too: 54 more are accepted this hour, then none.
	limited := 0
	for range 70 {
		if register(`{"client_name":"flood","redirect_uris":["https://app.example/cb"]}`) == http.StatusTooManyRequests {
			limited++
		}
	}
	if limited != 16 {
		t.Errorf("%d of 70 registrations refused, want the 16 past the hour's 60", limited)
	}
}
