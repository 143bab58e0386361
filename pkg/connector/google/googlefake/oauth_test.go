package googlefake_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/mcpgate/mcpgate/pkg/connector/google/googlefake"
)

const redirect = "https://gw.example.com/oauth/callback"

func oauthSetup(t *testing.T) (*googlefake.Server, *oauth2.Config, context.Context) {
	t.Helper()
	s := start(t)
	s.RegisterClient("cid.apps.googleusercontent.com", "s3cret", redirect, "http://127.0.0.1/cb")
	conf := &oauth2.Config{
		ClientID: "cid.apps.googleusercontent.com", ClientSecret: "s3cret", RedirectURL: redirect,
		Scopes:   []string{"openid", "email", googlefake.ScopeGmailReadonly},
		Endpoint: oauth2.Endpoint{AuthURL: s.AuthURL(), TokenURL: s.TokenURL()},
	}
	return s, conf, context.WithValue(context.Background(), oauth2.HTTPClient, s.Client())
}

// noRedirect returns a client that stops at the redirect to the app.
func noRedirect(s *googlefake.Server) *http.Client {
	c := *s.Client()
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &c
}

var requestField = regexp.MustCompile(`name="request" value="([^"]+)"`)

// consent opens the authorization URL, then presses a consent button, and
// returns where Google sends the browser.
func consent(t *testing.T, s *googlefake.Server, authURL, decision string) *url.URL {
	t.Helper()
	c := noRedirect(s)
	resp, err := c.Get(authURL)
	if err != nil {
		t.Fatal(err)
	}
	page := readAll(t, resp)
	m := requestField.FindStringSubmatch(page)
	if resp.StatusCode != 200 || m == nil || !strings.Contains(page, `id="allow"`) {
		t.Fatalf("consent page = %d %s", resp.StatusCode, page)
	}
	resp, err = c.PostForm(s.URL+"/o/oauth2/v2/auth/approve", url.Values{"request": {m[1]}, "decision": {decision}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("approve = %d", resp.StatusCode)
	}
	loc, _ := url.Parse(resp.Header.Get("Location"))
	return loc
}

func TestCodeFlowWithPKCEAndRefresh(t *testing.T) {
	t.Parallel()
	s, conf, ctx := oauthSetup(t)
	verifier := oauth2.GenerateVerifier()
	loc := consent(t, s, conf.AuthCodeURL("st4te", oauth2.AccessTypeOffline, oauth2.S256ChallengeOption(verifier),
		oauth2.SetAuthURLParam("prompt", "consent")), "allow")
	q := loc.Query()
	if loc.Scheme+"://"+loc.Host+loc.Path != redirect || q.Get("state") != "st4te" || q.Get("code") == "" {
		t.Fatalf("redirect = %s", loc)
	}
	if !strings.Contains(q.Get("scope"), "https://www.googleapis.com/auth/userinfo.email") {
		t.Errorf("scope = %q; Google reports email as userinfo.email", q.Get("scope"))
	}
	tok, err := conf.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatalf("Exchange: %v", err)
	}
	if tok.RefreshToken == "" || tok.TokenType != "Bearer" || time.Until(tok.Expiry) < 50*time.Minute {
		t.Errorf("token = %+v", tok)
	}
	if r := get2(t, s, "/gmail/v1/users/me/profile", tok.AccessToken); r != 200 {
		t.Errorf("new token: %d", r)
	}
	if _, err := conf.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(verifier)); !isOAuthError(err, "invalid_grant") {
		t.Errorf("reused code: %v, want invalid_grant", err)
	}

	s.ExpireAccessTokens()
	if r := get2(t, s, "/gmail/v1/users/me/profile", tok.AccessToken); r != 401 {
		t.Errorf("expired token: %d", r)
	}
	tok.Expiry = time.Now().Add(-time.Minute)
	fresh, err := conf.TokenSource(ctx, tok).Token()
	if err != nil || fresh.AccessToken == tok.AccessToken || s.Refreshes() != 1 {
		t.Fatalf("refresh = %+v, %v (refreshes %d)", fresh, err, s.Refreshes())
	}
	if r := get2(t, s, "/gmail/v1/users/me/profile", fresh.AccessToken); r != 200 {
		t.Errorf("refreshed token: %d", r)
	}
	s.RevokeGrants()
	_, err = conf.TokenSource(ctx, &oauth2.Token{RefreshToken: tok.RefreshToken}).Token()
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) || re.ErrorCode != "invalid_grant" || re.ErrorDescription != "Token has been expired or revoked." {
		t.Errorf("refresh after revoke: %v", err)
	}
	if get2(t, s, "/gmail/v1/users/me/profile", fresh.AccessToken) != 401 {
		t.Error("an access token outlived its revoked grant")
	}
}

func TestTokenEndpointChecks(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		mutate  func(conf *oauth2.Config, req *googlefake.AuthRequest, verifier *string)
		want    string
		wantMsg string
	}{
		{"a wrong verifier", func(_ *oauth2.Config, _ *googlefake.AuthRequest, v *string) { *v = oauth2.GenerateVerifier() }, "invalid_grant", "Invalid code verifier."},
		{"no verifier", func(_ *oauth2.Config, _ *googlefake.AuthRequest, v *string) { *v = "" }, "invalid_grant", "Missing code verifier."},
		{"another redirect URI", func(c *oauth2.Config, _ *googlefake.AuthRequest, _ *string) { c.RedirectURL = redirect + "x" }, "redirect_uri_mismatch", "Bad Request"},
		{"a wrong secret", func(c *oauth2.Config, _ *googlefake.AuthRequest, _ *string) { c.ClientSecret = "nope" }, "invalid_client", "Unauthorized"},
		{"an unknown client", func(c *oauth2.Config, _ *googlefake.AuthRequest, _ *string) { c.ClientID = "other" }, "invalid_client", "The OAuth client was not found."},
		{"a code for another client", func(_ *oauth2.Config, r *googlefake.AuthRequest, _ *string) { r.ClientID = "other" }, "invalid_grant", "Bad Request"},
	}
	for _, tt := range tests {
		for style, styleName := range map[oauth2.AuthStyle]string{oauth2.AuthStyleInParams: "secret in body", oauth2.AuthStyleInHeader: "basic auth"} {
			t.Run(tt.name+"/"+styleName, func(t *testing.T) {
				t.Parallel()
				s, conf, ctx := oauthSetup(t)
				conf.Endpoint.AuthStyle = style
				verifier := oauth2.GenerateVerifier()
				req := googlefake.AuthRequest{ClientID: conf.ClientID, RedirectURI: redirect, Scopes: conf.Scopes,
					CodeChallenge: oauth2.S256ChallengeFromVerifier(verifier), CodeChallengeMethod: "S256", Offline: true}
				tt.mutate(conf, &req, &verifier)
				code := s.IssueCode(req)
				opts := []oauth2.AuthCodeOption{}
				if verifier != "" {
					opts = append(opts, oauth2.VerifierOption(verifier))
				}
				_, err := conf.Exchange(ctx, code, opts...)
				var re *oauth2.RetrieveError
				if !errors.As(err, &re) || re.ErrorCode != tt.want || re.ErrorDescription != tt.wantMsg {
					t.Errorf("Exchange: %v; want %s (%s)", err, tt.want, tt.wantMsg)
				}
			})
		}
	}
}

func TestPlainPKCEAndNoRefreshTokenOnline(t *testing.T) {
	t.Parallel()
	s, conf, ctx := oauthSetup(t)
	v := oauth2.GenerateVerifier()
	code := s.IssueCode(googlefake.AuthRequest{ClientID: conf.ClientID, RedirectURI: redirect, Scopes: conf.Scopes, CodeChallenge: v, CodeChallengeMethod: "plain"})
	tok, err := conf.Exchange(ctx, code, oauth2.VerifierOption(v))
	if err != nil || tok.RefreshToken != "" {
		t.Errorf("online exchange = %+v, %v; want no refresh token", tok, err)
	}
}

func TestConsentDeniedAndAutoApprove(t *testing.T) {
	t.Parallel()
	s, conf, _ := oauthSetup(t)
	loc := consent(t, s, conf.AuthCodeURL("abc", oauth2.S256ChallengeOption(oauth2.GenerateVerifier())), "deny")
	if loc.Query().Get("error") != "access_denied" || loc.Query().Get("state") != "abc" || loc.Query().Get("code") != "" {
		t.Errorf("deny redirect = %s", loc)
	}
	s.SetAutoApprove(true)
	conf.RedirectURL = "http://127.0.0.1:54321/cb" // loopback: any port
	resp, err := noRedirect(s).Get(conf.AuthCodeURL("xyz", oauth2.S256ChallengeOption(oauth2.GenerateVerifier())))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, _ = url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || loc.Host != "127.0.0.1:54321" || loc.Query().Get("code") == "" {
		t.Errorf("auto-approve = %d %s", resp.StatusCode, loc)
	}
}

func TestAuthorizationErrorsArePagesNotRedirects(t *testing.T) {
	t.Parallel()
	s, conf, _ := oauthSetup(t)
	tests := []struct {
		name   string
		mutate func(url.Values)
		status int
		code   string
	}{
		{"an unregistered redirect URI", func(q url.Values) { q.Set("redirect_uri", "https://evil.example.com/cb") }, 400, "redirect_uri_mismatch"},
		{"an unknown client", func(q url.Values) { q.Set("client_id", "nope") }, 401, "invalid_client"},
		{"a bad scope", func(q url.Values) { q.Set("scope", "openid nonsense") }, 400, "invalid_scope"},
		{"no response_type", func(q url.Values) { q.Del("response_type") }, 400, "unsupported_response_type"},
		{"a bad challenge method", func(q url.Values) { q.Set("code_challenge_method", "S512") }, 400, "invalid_request"},
	}
	for _, tt := range tests {
		u, _ := url.Parse(conf.AuthCodeURL("s", oauth2.S256ChallengeOption(oauth2.GenerateVerifier())))
		q := u.Query()
		tt.mutate(q)
		u.RawQuery = q.Encode()
		resp, err := noRedirect(s).Get(u.String())
		if err != nil {
			t.Fatal(err)
		}
		page := readAll(t, resp)
		if resp.StatusCode != tt.status || resp.Header.Get("Location") != "" || !strings.Contains(page, tt.code) {
			t.Errorf("%s: %d %q %s", tt.name, resp.StatusCode, resp.Header.Get("Location"), page)
		}
	}
}

func TestRevokeEndpoint(t *testing.T) {
	t.Parallel()
	s, conf, ctx := oauthSetup(t)
	v := oauth2.GenerateVerifier()
	tok, err := conf.Exchange(ctx, s.IssueCode(googlefake.AuthRequest{ClientID: conf.ClientID, RedirectURI: redirect,
		Scopes: conf.Scopes, CodeChallenge: oauth2.S256ChallengeFromVerifier(v), CodeChallengeMethod: "S256", Offline: true}), oauth2.VerifierOption(v))
	if err != nil {
		t.Fatal(err)
	}
	r := do(t, s, "POST", "/revoke", "", "application/x-www-form-urlencoded", "token="+url.QueryEscape(tok.AccessToken))
	if r.status != 200 || !s.Revoked(tok.AccessToken) || !s.Revoked(tok.RefreshToken) {
		t.Fatalf("revoke = %d %s; revoked access %v refresh %v", r.status, r.raw, s.Revoked(tok.AccessToken), s.Revoked(tok.RefreshToken))
	}
	r = do(t, s, "POST", "/revoke", "", "application/x-www-form-urlencoded", "token="+url.QueryEscape(tok.AccessToken))
	if r.status != 400 || r.json["error"] != "invalid_token" {
		t.Errorf("second revoke = %d %s", r.status, r.raw)
	}
	if _, err := conf.TokenSource(ctx, &oauth2.Token{RefreshToken: tok.RefreshToken}).Token(); !isOAuthError(err, "invalid_grant") {
		t.Errorf("refresh after revoke: %v", err)
	}
}

func TestTokenLifetime(t *testing.T) {
	t.Parallel()
	s, conf, ctx := oauthSetup(t)
	s.SetTokenLifetime(0)
	tok, err := conf.Exchange(ctx, s.IssueCode(googlefake.AuthRequest{ClientID: conf.ClientID, RedirectURI: redirect, Scopes: conf.Scopes, Offline: true}))
	if err != nil {
		t.Fatal(err)
	}
	if get2(t, s, "/gmail/v1/users/me/labels", tok.AccessToken) != 401 {
		t.Error("a zero-lifetime token works")
	}
	if s.TokenRequests() != 1 {
		t.Errorf("TokenRequests() = %d", s.TokenRequests())
	}
}

func get2(t *testing.T, s *googlefake.Server, path, bearer string) int {
	t.Helper()
	return do(t, s, "GET", path, bearer, "", "").status
}

func isOAuthError(err error, code string) bool {
	var re *oauth2.RetrieveError
	return errors.As(err, &re) && re.ErrorCode == code
}

func readAll(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
