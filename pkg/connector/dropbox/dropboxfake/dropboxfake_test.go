package dropboxfake_test

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

	"github.com/mcpgate/mcpgate/pkg/connector/dropbox/dropboxfake"
	"github.com/mcpgate/mcpgate/pkg/connector/fakekit"
)

const tok = "sl.test-token"

func newFake(t *testing.T, opts ...dropboxfake.Option) *dropboxfake.Server {
	t.Helper()
	s := dropboxfake.New(tok, opts...)
	t.Cleanup(s.Close)
	return s
}

type reply struct {
	status int
	ctype  string
	body   string
	header http.Header
}

func do(t *testing.T, s *dropboxfake.Server, route string, header map[string]string, body string) reply {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, s.URL+"/"+route, strings.NewReader(body))
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return reply{resp.StatusCode, resp.Header.Get("Content-Type"), string(b), resp.Header}
}

func TestRoutesAnswerLikeDropbox(t *testing.T) {
	t.Parallel()
	s := newFake(t)
	auth := "Bearer " + tok
	rpc := map[string]string{"Authorization": auth, "Content-Type": "application/json"}
	tests := []struct {
		name, route string
		header      map[string]string
		body        string
		status      int
		want        string
	}{
		{"no Authorization", "files/list_folder", map[string]string{"Content-Type": "application/json"}, `{"path":""}`, 400, `Must provide HTTP header "Authorization"`},
		{"malformed Authorization is quoted back", "files/list_folder", map[string]string{"Authorization": "Token " + tok}, `{"path":""}`, 400, `"Token ` + tok + `"`},
		{"unknown token", "files/list_folder", map[string]string{"Authorization": "Bearer sl.nope", "Content-Type": "application/json"}, `{"path":""}`, 401, `"error_summary":"invalid_access_token/.."`},
		{"root as /", "files/list_folder", rpc, `{"path":"/"}`, 400, `Specify the root folder as an empty string rather than as "/".`},
		{"wrong content type", "files/list_folder", map[string]string{"Authorization": auth, "Content-Type": "text/plain"}, `{"path":""}`, 400, `Bad HTTP "Content-Type" header: "text/plain"`},
		{"not JSON", "files/list_folder", rpc, `{path}`, 400, "could not decode input as JSON"},
		{"not found", "files/list_folder", rpc, `{"path":"/nope"}`, 409, `{"error":{".tag":"path","path":{".tag":"not_found"}},"error_summary":"path/not_found/.."}`},
		{"account with null", "users/get_current_account", rpc, `null`, 200, `"email":"alice@example.com"`},
		{"account without a body", "users/get_current_account", map[string]string{"Authorization": auth}, ``, 200, `"account_id":"dbid:`},
		{"account with an empty JSON body", "users/get_current_account", rpc, ``, 400, "could not decode input as JSON"},
		{"download with a non-ASCII header", "files/download", map[string]string{"Authorization": auth, "Dropbox-API-Arg": `{"path":"/Résumé.txt"}`}, ``, 400, `HTTP header "Dropbox-API-Arg": could not decode input as JSON`},
		{"download with a JSON content type", "files/download", map[string]string{"Authorization": auth, "Content-Type": "application/json", "Dropbox-API-Arg": `{"path":"/Documents/notes.txt"}`}, ``, 400, `Bad HTTP "Content-Type" header`},
		{"download of a folder", "files/download", map[string]string{"Authorization": auth, "Dropbox-API-Arg": `{"path":"/Documents"}`}, ``, 409, `"path/not_file/.."`},
		{"upload without a content type", "files/upload", map[string]string{"Authorization": auth, "Dropbox-API-Arg": `{"path":"/x.txt"}`}, `x`, 400, `Bad HTTP "Content-Type" header: ""`},
		{"upload conflict", "files/upload", map[string]string{"Authorization": auth, "Content-Type": "application/octet-stream", "Dropbox-API-Arg": `{"path":"/Documents/notes.txt","mode":{".tag":"add"}}`}, `x`, 409, `"reason":{".tag":"conflict","conflict":{".tag":"file"}}`},
		{"upload under a file", "files/upload", map[string]string{"Authorization": auth, "Content-Type": "application/octet-stream", "Dropbox-API-Arg": `{"path":"/Documents/notes.txt/x.txt"}`}, `x`, 409, `"error_summary":"path/conflict/file_ancestor/.."`},
		{"existing link carries its metadata", "sharing/create_shared_link_with_settings", rpc, `{"path":"/Photos/cat.jpg"}`, 409, `"shared_link_already_exists":{".tag":"metadata","metadata":{".tag":"file"`},
		{"unknown route", "files/nope", rpc, `{}`, 404, `Unknown API function`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := do(t, s, tt.route, tt.header, tt.body)
			if got.status != tt.status || !strings.Contains(got.body, tt.want) {
				t.Errorf("%d %s\nwant %d and %q", got.status, got.body, tt.status, tt.want)
			}
		})
	}
}

func TestDownloadResultHeaderIsASCII(t *testing.T) {
	t.Parallel()
	s := newFake(t)
	got := do(t, s, "files/download", map[string]string{"Authorization": "Bearer " + tok, "Dropbox-API-Arg": `{"path":"/R\u00e9sum\u00e9.txt"}`}, "")
	res := got.header.Get("Dropbox-API-Result")
	if got.status != 200 || !strings.Contains(res, `R\u00e9sum\u00e9.txt`) || got.ctype != "application/octet-stream" {
		t.Fatalf("%d %s (%s)", got.status, res, got.ctype)
	}
	var meta struct {
		Name string `json:"name"`
		Size int    `json:"size"`
	}
	if err := json.Unmarshal([]byte(res), &meta); err != nil || meta.Name != "Résumé.txt" || meta.Size != len(got.body) {
		t.Errorf("metadata %+v (%v) for a %d-byte body", meta, err, len(got.body))
	}
}

func pkce(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

func token(t *testing.T, s *dropboxfake.Server, form url.Values) (int, map[string]any) {
	t.Helper()
	resp, err := s.Client().PostForm(s.TokenURL, form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatalf("token endpoint answered non-JSON: %v", err)
	}
	return resp.StatusCode, out
}

func TestPKCEFlowWithOfflineAccess(t *testing.T) {
	t.Parallel()
	const redirect = "http://127.0.0.1:9999/oauth/callback"
	s := newFake(t, dropboxfake.WithRedirectURIs(redirect))
	verifier := strings.Repeat("v", 50)
	noFollow := *s.Client()
	noFollow.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	q := url.Values{"client_id": {s.ClientID}, "response_type": {"code"}, "redirect_uri": {redirect}, "state": {"xyz"},
		"code_challenge": {pkce(verifier)}, "code_challenge_method": {"S256"}, "token_access_type": {"offline"}}
	resp, err := noFollow.Get(s.AuthURL + "?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, _ := url.Parse(resp.Header.Get("Location"))
	code := loc.Query().Get("code")
	if resp.StatusCode != http.StatusFound || code == "" || loc.Query().Get("state") != "xyz" {
		t.Fatalf("authorize: %d %s", resp.StatusCode, loc)
	}
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "client_id": {s.ClientID}, "redirect_uri": {redirect}}
	form.Set("code_verifier", strings.Repeat("w", 50))
	if st, got := token(t, s, form); st != 400 || got["error"] != "invalid_grant" || got["error_description"] != "invalid code verifier" {
		t.Errorf("wrong verifier: %d %v", st, got)
	}
	form.Set("code_verifier", verifier)
	st, got := token(t, s, form)
	access, _ := got["access_token"].(string)
	refresh, _ := got["refresh_token"].(string)
	if st != 200 || access == "" || refresh == "" || got["token_type"] != "bearer" || got["expires_in"] != float64(14400) || got["account_id"] != dropboxfake.AccountID {
		t.Fatalf("exchange: %d %v", st, got)
	}
	if st, got := token(t, s, form); st != 400 || got["error"] != "invalid_grant" {
		t.Errorf("a reused code: %d %v", st, got)
	}
	s.ExpireAccessTokens()
	if s.TokenValid(access) {
		t.Error("ExpireAccessTokens left the token valid")
	}
	// A PKCE grant may refresh with the client id alone.
	st, got = token(t, s, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh}, "client_id": {s.ClientID}})
	fresh, _ := got["access_token"].(string)
	if st != 200 || fresh == "" || got["refresh_token"] != nil || s.Refreshes() != 1 || !s.TokenValid(fresh) {
		t.Fatalf("refresh: %d %v", st, got)
	}
	// Revoking the fresh token ends the grant: the refresh token too.
	if r := do(t, s, "auth/token/revoke", map[string]string{"Authorization": "Bearer " + fresh}, ""); r.status != 200 || strings.TrimSpace(r.body) != "null" {
		t.Fatalf("revoke: %d %s", r.status, r.body)
	}
	if st, got := token(t, s, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh}, "client_id": {s.ClientID}}); st != 400 || got["error"] != "invalid_grant" {
		t.Errorf("refresh after revoke: %d %v", st, got)
	}
}

func TestTokenEndpointChecksEverything(t *testing.T) {
	t.Parallel()
	s := newFake(t, dropboxfake.WithAccessTokenTTL(time.Minute))
	mint := func(g dropboxfake.Grant) string { return s.MintCode(g) }
	withSecret := func(v url.Values) url.Values {
		v.Set("client_id", s.ClientID)
		v.Set("client_secret", s.ClientSecret)
		return v
	}
	tests := []struct {
		name string
		form url.Values
		want string
	}{
		{"wrong secret", url.Values{"grant_type": {"authorization_code"}, "code": {mint(dropboxfake.Grant{})}, "client_id": {s.ClientID}, "client_secret": {"nope"}}, "invalid_client"},
		{"unknown client", url.Values{"grant_type": {"authorization_code"}, "code": {mint(dropboxfake.Grant{})}, "client_id": {"nope"}}, "invalid_client"},
		{"no secret without PKCE", url.Values{"grant_type": {"authorization_code"}, "code": {mint(dropboxfake.Grant{})}, "client_id": {s.ClientID}}, "invalid_request"},
		{"unknown code", withSecret(url.Values{"grant_type": {"authorization_code"}, "code": {"nope"}}), "invalid_grant"},
		{"redirect mismatch", withSecret(url.Values{"grant_type": {"authorization_code"}, "code": {mint(dropboxfake.Grant{RedirectURI: "https://a/cb"})}, "redirect_uri": {"https://b/cb"}}), "invalid_grant"},
		{"unknown refresh token", withSecret(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"nope"}}), "invalid_grant"},
		{"unknown grant type", withSecret(url.Values{"grant_type": {"password"}}), "unsupported_grant_type"},
	}
	for _, tt := range tests {
		if st, got := token(t, s, tt.form); st != 400 || got["error"] != tt.want {
			t.Errorf("%s: %d %v, want 400 %s", tt.name, st, got, tt.want)
		}
	}
	st, got := token(t, s, withSecret(url.Values{"grant_type": {"authorization_code"}, "code": {mint(dropboxfake.Grant{Scopes: []string{"files.metadata.read"}})}}))
	if st != 200 || got["expires_in"] != float64(60) || got["scope"] != "files.metadata.read" || got["refresh_token"] != nil {
		t.Errorf("online exchange: %d %v", st, got)
	}
	access, _ := got["access_token"].(string)
	if r := do(t, s, "users/get_current_account", map[string]string{"Authorization": "Bearer " + access}, ""); r.status != 401 || !strings.Contains(r.body, `"required_scope":"account_info.read"`) {
		t.Errorf("narrow token: %d %s", r.status, r.body)
	}
}

func TestDeniedConsentRedirectsWithTheError(t *testing.T) {
	t.Parallel()
	s := newFake(t)
	s.DenyConsent(true)
	noFollow := *s.Client()
	noFollow.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := noFollow.Get(s.AuthURL + "?" + url.Values{"client_id": {s.ClientID}, "response_type": {"code"},
		"redirect_uri": {"https://gw.example/cb"}, "state": {"s1"}}.Encode())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if loc.Query().Get("error") != "access_denied" || loc.Query().Get("state") != "s1" || loc.Query().Get("code") != "" {
		t.Errorf("denied: %s", loc)
	}
	resp, _ = noFollow.Get(s.AuthURL + "?" + url.Values{"client_id": {"other"}, "response_type": {"code"}}.Encode())
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("unknown client_id: %d, want an error page", resp.StatusCode)
	}
}

func TestFailuresAndCounting(t *testing.T) {
	t.Parallel()
	s := newFake(t)
	s.FailNext(fakekit.RateLimit, 1)
	r := do(t, s, "users/get_current_account", map[string]string{"Authorization": "Bearer " + tok}, "")
	if r.status != 429 || r.header.Get("Retry-After") != "300" || !strings.Contains(r.body, `"too_many_requests"`) {
		t.Errorf("rate limit: %d %s", r.status, r.body)
	}
	s.FailNext(fakekit.EchoToken, 1)
	r = do(t, s, "users/get_current_account", map[string]string{"Authorization": "Bearer " + tok}, "")
	if r.status != 400 || !strings.Contains(r.body, tok) {
		t.Errorf("echo: %d %s", r.status, r.body)
	}
	if r := do(t, s, "users/get_current_account", map[string]string{"Authorization": "Bearer " + tok}, ""); r.status != 200 {
		t.Errorf("after the failures: %d %s", r.status, r.body)
	}
	if s.Requests() != 3 {
		t.Errorf("Requests() = %d, want 3", s.Requests())
	}
}
