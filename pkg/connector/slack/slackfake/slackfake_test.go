package slackfake_test

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/mcpgate/mcpgate/pkg/connector/fakekit"
	"github.com/mcpgate/mcpgate/pkg/connector/slack/slackfake"
)

const tok = "xoxb-test-token"

func newFake(t *testing.T, opts ...slackfake.Option) *slackfake.Server {
	t.Helper()
	s := slackfake.New(tok, opts...)
	t.Cleanup(s.Close)
	return s
}

// post sends form to the fake and decodes its JSON answer.
func post(t *testing.T, s *slackfake.Server, target, bearer string, form url.Values) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, target, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatalf("%s: body is not JSON: %v", target, err)
	}
	return resp.StatusCode, out
}

func TestWebAPIEnvelopes(t *testing.T) {
	t.Parallel()
	s := newFake(t)
	tests := []struct {
		name, method, bearer string
		form                 url.Values
		status               int
		want                 map[string]any
	}{
		{"no token", "auth.test", "", nil, 200, map[string]any{"ok": false, "error": "not_authed"}},
		{"wrong token", "auth.test", "xoxb-nope", nil, 200, map[string]any{"ok": false, "error": "invalid_auth"}},
		{"token form parameter", "auth.test", "", url.Values{"token": {tok}}, 200, map[string]any{"ok": true, "user_id": "U0BOT", "bot_id": "B0MCPGATE"}},
		{"unknown method", "chat.nope", tok, nil, 404, map[string]any{"ok": false, "error": "unknown_method"}},
		{"history needs an id", "conversations.history", tok, url.Values{"channel": {"general"}}, 200, map[string]any{"ok": false, "error": "channel_not_found"}},
		{"bad oldest", "conversations.history", tok, url.Values{"channel": {"C01GENERAL"}, "oldest": {"x"}}, 200, map[string]any{"ok": false, "error": "invalid_ts_oldest"}},
		{"list limit under 1000", "conversations.list", tok, url.Values{"limit": {"999"}}, 200, map[string]any{"ok": true}},
		{"list limit 1000", "conversations.list", tok, url.Values{"limit": {"1000"}}, 200, map[string]any{"ok": false, "error": "invalid_limit"}},
		{"history pages", "conversations.history", tok, url.Values{"channel": {"C01GENERAL"}, "limit": {"1"}}, 200, map[string]any{"ok": true, "has_more": true}},
		{"post by name", "chat.postMessage", tok, url.Values{"channel": {"#random"}, "text": {"hi"}}, 200, map[string]any{"ok": true, "channel": "C02RANDOM"}},
		{"no text", "chat.postMessage", tok, url.Values{"channel": {"C02RANDOM"}}, 200, map[string]any{"ok": false, "error": "no_text"}},
		{"lookup", "users.lookupByEmail", tok, url.Values{"email": {"BOB@example.com"}}, 200, map[string]any{"ok": true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, got := post(t, s, s.URL+"/"+tt.method, tt.bearer, tt.form)
			if status != tt.status {
				t.Errorf("status = %d, want %d", status, tt.status)
			}
			for k, v := range tt.want {
				if got[k] != v {
					t.Errorf("%s = %v, want %v (body %v)", k, got[k], v, got)
				}
			}
		})
	}
}

func TestJSONPostWithoutCharsetIsWarned(t *testing.T) {
	t.Parallel()
	s := newFake(t)
	for ct, warned := range map[string]bool{"application/json": true, "application/json; charset=utf-8": false} {
		req, _ := http.NewRequest(http.MethodPost, s.URL+"/chat.postMessage", strings.NewReader(`{"channel":"C01GENERAL","text":"hi"}`))
		req.Header.Set("Content-Type", ct)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := s.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if strings.Contains(string(b), "missing_charset") != warned || !strings.Contains(string(b), `"ok":true`) {
			t.Errorf("%s: body %s, want warned=%v", ct, b, warned)
		}
	}
}

func challenge(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

func TestAuthorizeRedirectsWithCodeAndState(t *testing.T) {
	t.Parallel()
	s := newFake(t, slackfake.WithRedirectURIs("https://gw.example/oauth/callback"))
	noFollow := *s.Client()
	noFollow.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	q := url.Values{"client_id": {s.ClientID}, "scope": {"channels:read,chat:write"}, "state": {"st4te"},
		"redirect_uri": {"https://gw.example/oauth/callback"}, "code_challenge": {challenge("v3rifier")}, "code_challenge_method": {"S256"}}
	resp, err := noFollow.Get(s.AuthURL + "?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || loc.Host != "gw.example" || loc.Query().Get("state") != "st4te" || loc.Query().Get("code") == "" {
		t.Fatalf("authorize = %d to %s", resp.StatusCode, loc)
	}
	code := loc.Query().Get("code")
	exchange := url.Values{"code": {code}, "client_id": {s.ClientID}, "client_secret": {s.ClientSecret},
		"redirect_uri": {"https://gw.example/oauth/callback"}}
	if _, got := post(t, s, s.TokenURL, "", exchange); got["error"] != "invalid_code_verifier" {
		t.Errorf("exchange without the verifier = %v", got)
	}
	exchange.Set("code_verifier", "v3rifier")
	_, got := post(t, s, s.TokenURL, "", exchange)
	if got["ok"] != true || got["token_type"] != "bot" || got["bot_user_id"] != "U0BOT" || got["scope"] != "channels:read,chat:write" {
		t.Fatalf("exchange = %v", got)
	}
	if !s.TokenValid(got["access_token"].(string)) {
		t.Error("the issued token is not accepted")
	}
	if _, again := post(t, s, s.TokenURL, "", exchange); again["error"] != "invalid_code" {
		t.Errorf("a second exchange = %v, want invalid_code", again)
	}

	q.Set("redirect_uri", "https://evil.example/cb")
	resp, _ = noFollow.Get(s.AuthURL + "?" + q.Encode())
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("an unregistered redirect_uri got %d, want an error page", resp.StatusCode)
	}
	s.DenyConsent(true)
	q.Set("redirect_uri", "https://gw.example/oauth/callback")
	resp, _ = noFollow.Get(s.AuthURL + "?" + q.Encode())
	resp.Body.Close()
	if loc, _ := url.Parse(resp.Header.Get("Location")); loc.Query().Get("error") != "access_denied" || loc.Query().Get("state") != "st4te" {
		t.Errorf("denied consent redirected to %s", loc)
	}
}

func TestCodeExchangeChecksTheClient(t *testing.T) {
	t.Parallel()
	s := newFake(t)
	tests := []struct {
		name string
		form url.Values
		want string
	}{
		{"unknown client", url.Values{"client_id": {"nope"}, "client_secret": {s.ClientSecret}}, "invalid_client_id"},
		{"wrong secret", url.Values{"client_id": {s.ClientID}, "client_secret": {"nope"}}, "bad_client_secret"},
		{"redirect mismatch", url.Values{"client_id": {s.ClientID}, "client_secret": {s.ClientSecret}, "redirect_uri": {"https://other/cb"}}, "bad_redirect_uri"},
		{"bad grant type", url.Values{"client_id": {s.ClientID}, "client_secret": {s.ClientSecret}, "grant_type": {"password"}}, "invalid_grant_type"},
	}
	for _, tt := range tests {
		tt.form.Set("code", s.MintCode(slackfake.Grant{RedirectURI: "https://gw/cb", Scopes: []string{"chat:write"}}))
		if status, got := post(t, s, s.TokenURL, "", tt.form); status != 200 || got["error"] != tt.want {
			t.Errorf("%s: %d %v, want 200 and %s", tt.name, status, got, tt.want)
		}
	}
	// HTTP Basic client authentication works too.
	form := url.Values{"code": {s.MintCode(slackfake.Grant{Scopes: []string{"chat:write"}})}}
	req, _ := http.NewRequest(http.MethodPost, s.TokenURL, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(s.ClientID, s.ClientSecret)
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var got map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&got)
	if got["ok"] != true {
		t.Errorf("Basic auth exchange = %v", got)
	}
}

func TestTokenRotationRefreshes(t *testing.T) {
	t.Parallel()
	s := newFake(t, slackfake.WithTokenRotation(12*time.Hour))
	_, got := post(t, s, s.TokenURL, "", url.Values{"client_id": {s.ClientID}, "client_secret": {s.ClientSecret},
		"code": {s.MintCode(slackfake.Grant{Scopes: []string{"channels:read"}})}})
	access, _ := got["access_token"].(string)
	refresh, _ := got["refresh_token"].(string)
	if !strings.HasPrefix(access, "xoxe.xoxb-") || !strings.HasPrefix(refresh, "xoxe-1-") || got["expires_in"] != float64(43200) {
		t.Fatalf("rotating install = %v", got)
	}
	s.ExpireAccessTokens()
	if _, got := post(t, s, s.URL+"/auth.test", access, nil); got["error"] != "token_expired" {
		t.Errorf("expired token: %v", got)
	}
	_, got = post(t, s, s.TokenURL, "", url.Values{"client_id": {s.ClientID}, "client_secret": {s.ClientSecret},
		"grant_type": {"refresh_token"}, "refresh_token": {refresh}})
	fresh, _ := got["access_token"].(string)
	if got["ok"] != true || fresh == access || s.Refreshes() != 1 {
		t.Fatalf("refresh = %v (refreshes %d)", got, s.Refreshes())
	}
	if _, got := post(t, s, s.URL+"/auth.test", fresh, nil); got["ok"] != true {
		t.Errorf("refreshed token: %v", got)
	}
	_, got = post(t, s, s.TokenURL, "", url.Values{"client_id": {s.ClientID}, "client_secret": {s.ClientSecret},
		"grant_type": {"refresh_token"}, "refresh_token": {"xoxe-1-nope"}})
	if got["error"] != "invalid_refresh_token" {
		t.Errorf("unknown refresh token: %v", got)
	}
}

func TestFailuresAndCounting(t *testing.T) {
	t.Parallel()
	s := newFake(t)
	s.FailNext(fakekit.RateLimit, 2)
	for range 2 {
		req, _ := http.NewRequest(http.MethodPost, s.URL+"/auth.test", nil)
		resp, err := s.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "30" {
			t.Errorf("rate limit = %d, Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
		}
	}
	if _, got := post(t, s, s.URL+"/auth.test", tok, nil); got["ok"] != true {
		t.Errorf("after the failures: %v", got)
	}
	if s.Requests() != 3 {
		t.Errorf("Requests() = %d, want 3", s.Requests())
	}
}
