package githubfake

import (
	"crypto/subtle"
	"encoding/json"
	"html"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/mcpgate/mcpgate/pkg/connector/fakekit"
)

// oauthApp is the OAuth app the fake's github.com side knows: the
// authorize page, the token endpoint and token revocation, as GitHub's
// OAuth apps have them. The token it issues is the fake's one token.
type oauthApp struct {
	mu      sync.Mutex
	id      string
	secret  string
	codes   map[string]codeGrant
	revoked bool
}

type codeGrant struct {
	redirect, challenge string
	expires             time.Time
}

// OAuth endpoints, on the same server (github.com's side of GitHub).
const (
	authorizePath = "/login/oauth/authorize"
	tokenPath     = "/login/oauth/access_token"
)

// ClientID and ClientSecret are the fake OAuth app's credentials.
const (
	ClientID     = "Iv1.fakeclientid0001"
	ClientSecret = "fake-client-secret-0000000000000000000001"
)

// AuthURL and TokenURL are the OAuth endpoints to configure.
func (s *Server) AuthURL() string  { return strings.TrimSuffix(s.URL, s.prefix) + authorizePath }
func (s *Server) TokenURL() string { return strings.TrimSuffix(s.URL, s.prefix) + tokenPath }

// Revoked reports whether the OAuth app revoked the token.
func (s *Server) Revoked() bool {
	s.app.mu.Lock()
	defer s.app.mu.Unlock()
	return s.app.revoked
}

// oauthRoute serves the OAuth endpoints; ok is false for other paths.
func (s *Server) oauthRoute(w http.ResponseWriter, r *http.Request) (ok bool) {
	switch {
	case r.URL.Path == authorizePath:
		s.authorize(w, r)
	case r.URL.Path == tokenPath:
		s.exchange(w, r)
	case r.Method == http.MethodDelete && strings.HasPrefix(r.URL.Path, s.prefix+"/applications/"+ClientID+"/token"):
		s.revoke(w, r)
	default:
		return false
	}
	return true
}

// authorize approves at once, as a person clicking "Authorize" would, and
// sends the browser back with a code bound to the PKCE challenge.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	back, err := url.Parse(q.Get("redirect_uri"))
	if q.Get("client_id") != ClientID || err != nil || back.Host == "" {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusNotFound)
		w.Write([]byte("<html><body><p>" + html.EscapeString("The redirect_uri or client_id is not valid for this application.") + "</p></body></html>"))
		return
	}
	code := fakekit.RandomString(20)
	s.app.mu.Lock()
	if s.app.codes == nil {
		s.app.codes = map[string]codeGrant{}
	}
	s.app.codes[code] = codeGrant{redirect: back.String(), challenge: q.Get("code_challenge"), expires: time.Now().Add(10 * time.Minute)}
	s.app.mu.Unlock()
	fakekit.RedirectBack(w, r, back.String(), url.Values{"code": {code}, "state": {q.Get("state")}})
}

// exchange is GitHub's token endpoint: errors come back with HTTP 200 and
// an error field, form-encoded unless JSON is asked for.
func (s *Server) exchange(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	id, secret, _ := fakekit.ClientCredentials(r, r.PostForm, false)
	reply := func(v url.Values) {
		if strings.Contains(r.Header.Get("Accept"), "application/json") {
			m := map[string]string{}
			for k := range v {
				m[k] = v.Get(k)
			}
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			json.NewEncoder(w).Encode(m)
			return
		}
		w.Header().Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
		w.Write([]byte(v.Encode()))
	}
	if id != ClientID || subtle.ConstantTimeCompare([]byte(secret), []byte(ClientSecret)) != 1 {
		reply(url.Values{"error": {"incorrect_client_credentials"}, "error_description": {"The client_id and/or client_secret passed are incorrect."}})
		return
	}
	code := r.PostForm.Get("code")
	s.app.mu.Lock()
	g, ok := s.app.codes[code]
	delete(s.app.codes, code)
	s.app.mu.Unlock()
	switch {
	case !ok || time.Now().After(g.expires) || r.PostForm.Get("redirect_uri") != g.redirect:
		reply(url.Values{"error": {"bad_verification_code"}, "error_description": {"The code passed is incorrect or expired."}})
	case g.challenge != "" && fakekit.S256(r.PostForm.Get("code_verifier")) != g.challenge:
		reply(url.Values{"error": {"bad_verification_code"}, "error_description": {"The code_verifier does not match the challenge."}})
	default:
		s.app.mu.Lock()
		s.app.revoked = false
		s.app.mu.Unlock()
		reply(url.Values{"access_token": {s.token}, "scope": {"repo,read:user"}, "token_type": {"bearer"}})
	}
}

// revoke is DELETE /applications/{client_id}/token, authenticated as the app.
func (s *Server) revoke(w http.ResponseWriter, r *http.Request) {
	id, secret, ok := r.BasicAuth()
	if !ok || id != ClientID || secret != ClientSecret {
		writeError(w, http.StatusUnauthorized, "Bad credentials")
		return
	}
	var body struct {
		AccessToken string `json:"access_token"`
	}
	if json.NewDecoder(r.Body).Decode(&body) != nil || body.AccessToken != s.token {
		notFound(w)
		return
	}
	s.app.mu.Lock()
	s.app.revoked = true
	s.app.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}
