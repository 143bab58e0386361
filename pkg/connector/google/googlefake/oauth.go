package googlefake

import (
	"crypto/subtle"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/mcpgate/mcpgate/pkg/connector/fakekit"
)

type oauthClient struct {
	secret    string
	redirects []string
}

type authCode struct {
	req     AuthRequest
	expires time.Time
	used    bool
}

// AuthRequest is an authorization request as the consent screen sees it.
type AuthRequest struct {
	ClientID            string
	RedirectURI         string
	Scopes              []string
	State               string
	CodeChallenge       string
	CodeChallengeMethod string // "S256", "plain" or "" (no PKCE)
	// Offline is access_type=offline: the code exchange issues a refresh
	// token.
	Offline bool
}

// RegisterClient registers an OAuth client as a Google Cloud project does.
// A redirect URI must match exactly, except that a registered loopback URI
// (http://127.0.0.1 or http://localhost, any path) matches any port, as for
// Google's desktop-app clients.
func (s *Server) RegisterClient(id, secret string, redirectURIs ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.auth.clients[id] = &oauthClient{secret: secret, redirects: redirectURIs}
}

// SetAutoApprove makes the authorization endpoint approve at once (a 302
// to the redirect URI) instead of showing the consent page.
func (s *Server) SetAutoApprove(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.auth.autoApprove = on
}

// IssueCode returns an authorization code as if the person had approved
// req on the consent page; the token endpoint verifies the PKCE verifier
// against req.CodeChallenge. The client must be registered.
func (s *Server) IssueCode(req AuthRequest) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.issueCodeLocked(req)
}

func (s *Server) issueCodeLocked(req AuthRequest) string {
	code := randomToken("4/0fake-")
	s.auth.codes[code] = &authCode{req: req, expires: time.Now().Add(10 * time.Minute)}
	return code
}

func (c *oauthClient) allows(uri string) bool {
	u, err := url.Parse(uri)
	if err != nil {
		return false
	}
	for _, r := range c.redirects {
		if r == uri {
			return true
		}
		ru, err := url.Parse(r)
		if err == nil && ru.Scheme == "http" && (ru.Hostname() == "127.0.0.1" || ru.Hostname() == "localhost") &&
			ru.Port() == "" && u.Scheme == "http" && u.Hostname() == ru.Hostname() && u.Path == ru.Path {
			return true
		}
	}
	return false
}

func (s *Server) oauthRoutes(m *http.ServeMux) {
	m.HandleFunc("GET /o/oauth2/v2/auth", s.authorize)
	m.HandleFunc("POST /o/oauth2/v2/auth/approve", s.approve)
	m.HandleFunc("POST /token", s.token)
	m.HandleFunc("POST /revoke", s.revoke)
	m.HandleFunc("GET /revoke", s.revoke)
}

func writeOAuthError(w http.ResponseWriter, status int, code, desc string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache, no-store, max-age=0, must-revalidate")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": code, "error_description": desc})
}

// clientFromRequest authenticates the client by HTTP Basic (values
// form-encoded, RFC 6749 2.3.1) or client_id/client_secret in the body.
func (s *Server) clientFromRequest(w http.ResponseWriter, r *http.Request) (string, bool) {
	id, secret, basic := fakekit.ClientCredentials(r, r.PostForm, true)
	if basic && r.PostForm.Get("client_secret") != "" {
		writeOAuthError(w, http.StatusBadRequest, "invalid_request", "client_secret is specified in both the header and the body")
		return "", false
	}
	if id == "" {
		writeOAuthError(w, http.StatusBadRequest, "invalid_request", "Could not determine client ID from request.")
		return "", false
	}
	c, ok := s.auth.clients[id]
	if !ok {
		writeOAuthError(w, http.StatusUnauthorized, "invalid_client", "The OAuth client was not found.")
		return "", false
	}
	if subtle.ConstantTimeCompare([]byte(secret), []byte(c.secret)) != 1 {
		writeOAuthError(w, http.StatusUnauthorized, "invalid_client", "Unauthorized")
		return "", false
	}
	return id, true
}

var verifierChars = regexp.MustCompile(`^[A-Za-z0-9._~-]{43,128}$`)

func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	s.tokenReq.Add(1)
	if err := r.ParseForm(); err != nil {
		writeOAuthError(w, http.StatusBadRequest, "invalid_request", "Invalid request body")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	clientID, ok := s.clientFromRequest(w, r)
	if !ok {
		return
	}
	f := r.PostForm
	switch gt := f.Get("grant_type"); gt {
	case "authorization_code":
		c := s.auth.codes[f.Get("code")]
		switch {
		case f.Get("code") == "":
			writeOAuthError(w, http.StatusBadRequest, "invalid_request", "Missing required parameter: code")
			return
		case c == nil || c.used || time.Now().After(c.expires) || c.req.ClientID != clientID:
			if c != nil {
				c.used = true
			}
			writeOAuthError(w, http.StatusBadRequest, "invalid_grant", "Bad Request")
			return
		case f.Get("redirect_uri") != c.req.RedirectURI:
			writeOAuthError(w, http.StatusBadRequest, "redirect_uri_mismatch", "Bad Request")
			return
		}
		if msg := checkVerifier(c.req, f.Get("code_verifier")); msg != "" {
			writeOAuthError(w, http.StatusBadRequest, "invalid_grant", msg)
			return
		}
		c.used = true
		var rt string
		var grant *refreshGrant
		if c.req.Offline {
			rt = randomToken("1//0fake-")
			grant = &refreshGrant{clientID: clientID, scopes: c.req.Scopes}
			s.auth.refresh[rt] = grant
		}
		s.issueAccess(w, c.req.Scopes, grant, rt)
	case "refresh_token":
		g := s.auth.refresh[f.Get("refresh_token")]
		switch {
		case f.Get("refresh_token") == "":
			writeOAuthError(w, http.StatusBadRequest, "invalid_request", "Missing required parameter: refresh_token")
		case g == nil || g.revoked || g.clientID != clientID:
			writeOAuthError(w, http.StatusBadRequest, "invalid_grant", "Token has been expired or revoked.")
		default:
			s.refresh.Add(1)
			s.issueAccess(w, g.scopes, g, "")
		}
	case "":
		writeOAuthError(w, http.StatusBadRequest, "unsupported_grant_type", "Invalid grant_type: ")
	default:
		writeOAuthError(w, http.StatusBadRequest, "unsupported_grant_type", "Invalid grant_type: "+gt)
	}
}

// checkVerifier applies PKCE (RFC 7636) and returns Google's message for a
// failure, or "".
func checkVerifier(req AuthRequest, verifier string) string {
	if req.CodeChallenge == "" {
		return ""
	}
	if verifier == "" {
		return "Missing code verifier."
	}
	if !verifierChars.MatchString(verifier) {
		return "Invalid code verifier."
	}
	want := verifier
	if req.CodeChallengeMethod != "plain" {
		want = fakekit.S256(verifier)
	}
	if subtle.ConstantTimeCompare([]byte(want), []byte(req.CodeChallenge)) != 1 {
		return "Invalid code verifier."
	}
	return ""
}

// issueAccess answers a token request as Google does; mu is held.
func (s *Server) issueAccess(w http.ResponseWriter, scopes []string, grant *refreshGrant, refreshToken string) {
	at := randomToken("ya29.fake-")
	life := s.auth.lifetime
	s.auth.addToken(at, scopes, time.Now().Add(life), grant)
	body := map[string]any{
		"access_token": at,
		"expires_in":   max(int(life/time.Second)-1, 0),
		"scope":        strings.Join(scopes, " "),
		"token_type":   "Bearer",
	}
	if refreshToken != "" {
		body["refresh_token"] = refreshToken
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache, no-store, max-age=0, must-revalidate")
	w.Header().Set("Pragma", "no-cache")
	_ = json.NewEncoder(w).Encode(body)
}

// revoke ends a grant: revoking a refresh token or any access token issued
// from it revokes them all, as Google's endpoint does.
func (s *Server) revoke(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	tok := r.Form.Get("token")
	s.mu.Lock()
	defer s.mu.Unlock()
	var grant *refreshGrant
	if g, ok := s.auth.refresh[tok]; ok && !g.revoked {
		grant = g
	} else if a, ok := s.auth.access[tok]; ok && a.valid(time.Now()) {
		a.revoked = true
		grant = a.from
	} else {
		writeOAuthError(w, http.StatusBadRequest, "invalid_token", "Token expired or revoked")
		return
	}
	s.auth.revoked[tok] = true
	if grant != nil {
		grant.revoked = true
		for rt, g := range s.auth.refresh {
			if g == grant {
				s.auth.revoked[rt] = true
			}
		}
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_, _ = w.Write([]byte("{}\n"))
}
