package dropboxfake

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/mcpgate/mcpgate/pkg/connector/fakekit"
)

// codeTTL is how long an authorization code can be exchanged.
const codeTTL = 10 * time.Minute

// Grant is what a person approved at the authorize step.
type Grant struct {
	// RedirectURI is where the code was sent ("" for the no-redirect flow
	// that shows the code); the exchange must repeat it.
	RedirectURI string
	// CodeChallenge is the PKCE challenge; "" when the app sent none.
	CodeChallenge string
	// ChallengeMethod is "S256" or "plain" (the default when a challenge
	// is given without a method, as in RFC 7636).
	ChallengeMethod string
	// Scopes granted; empty means the app's full set (AllScopes).
	Scopes []string
	// Offline is token_access_type=offline: a refresh token comes too.
	Offline bool
}

type grant struct {
	Grant
	expires time.Time
	used    bool
}

type refreshGrant struct {
	scopes  []string
	pkce    bool // obtained with PKCE: may refresh with client_id alone
	revoked bool
	spent   bool    // rotated away (WithRotatingRefreshTokens)
	family  *family // the authorization it descends from
}

// MintCode returns an authorization code as if the account holder had
// approved g in a browser, for tests that drive the exchange without one.
func (s *Server) MintCode(g Grant) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if g.CodeChallenge != "" && g.ChallengeMethod == "" {
		g.ChallengeMethod = "plain"
	}
	code := "fAkEcOdE" + fakekit.RandomString(35)
	s.codes[code] = &grant{Grant: g, expires: s.now().Add(codeTTL)}
	return code
}

// TokenValid reports whether the API accepts tok right now.
func (s *Server) TokenValid(tok string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.tokens[tok]
	return ok && !t.revoked && (t.expires.IsZero() || s.now().Before(t.expires))
}

// ExpireAccessTokens makes every access token that has an expiry (those
// from the OAuth endpoint) expire now.
func (s *Server) ExpireAccessTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, t := range s.tokens {
		if !t.expires.IsZero() {
			t.expires = s.now()
		}
	}
}

// authorize is the consent page: it approves at once (or denies after
// DenyConsent) and redirects back with code and state.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	errorPage := func(msg string) { fakekit.ErrorPage(w, "Error (400)", msg) }
	s.mu.Lock()
	clientID, redirects := s.ClientID, s.redirects
	s.mu.Unlock()
	redirect := q.Get("redirect_uri")
	g := Grant{RedirectURI: redirect, CodeChallenge: q.Get("code_challenge"), ChallengeMethod: q.Get("code_challenge_method"),
		Scopes: strings.Fields(q.Get("scope")), Offline: q.Get("token_access_type") == "offline"}
	switch {
	case q.Get("client_id") != clientID:
		errorPage("Invalid client_id: \"" + q.Get("client_id") + "\"")
		return
	case q.Get("response_type") != "code" && q.Get("response_type") != "token":
		errorPage("Invalid response_type: must be \"code\" or \"token\"")
		return
	case redirect != "" && !redirectAllowed(redirect, redirects):
		errorPage("Invalid redirect_uri. It must exactly match one of the redirect URIs you've pre-configured for your app (including the path).")
		return
	case g.CodeChallenge != "" && g.ChallengeMethod != "" && g.ChallengeMethod != "S256" && g.ChallengeMethod != "plain":
		errorPage("Invalid code_challenge_method: must be \"S256\" or \"plain\"")
		return
	case g.CodeChallenge != "" && (len(g.CodeChallenge) < 43 || len(g.CodeChallenge) > 128):
		errorPage("Invalid code_challenge: must be between 43 and 128 characters")
		return
	}
	if redirect == "" {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, "<html><body><p>Enter this code into your app: <code>%s</code></p></body></html>", s.MintCode(g))
		return
	}
	v := url.Values{}
	if s.Denied() {
		v.Set("error", "access_denied")
		v.Set("error_description", "The user chose not to give your app access to their Dropbox account.")
	} else {
		v.Set("code", s.MintCode(g))
	}
	if st := q.Get("state"); st != "" {
		v.Set("state", st)
	}
	fakekit.RedirectBack(w, r, redirect, v)
}

// redirectAllowed is fakekit's rule, and the URI must name a host.
func redirectAllowed(uri string, registered []string) bool {
	u, err := url.Parse(uri)
	return err == nil && u.Host != "" && fakekit.RedirectAllowed(uri, registered)
}

// tokenEndpoint is /oauth2/token: code exchange and refresh, answering
// errors as RFC 6749 documents with HTTP 400.
func (s *Server) tokenEndpoint(w http.ResponseWriter, r *http.Request) {
	oauthError := func(code, desc string) {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": code, "error_description": desc})
	}
	if r.Method != http.MethodPost {
		oauthError("invalid_request", "Only POST is allowed")
		return
	}
	if err := r.ParseForm(); err != nil {
		oauthError("invalid_request", "Could not parse the request body")
		return
	}
	if r.PostForm.Get("grant_type") == "refresh_token" {
		s.beforeRefresh()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	id, secret, _ := fakekit.ClientCredentials(r, r.PostForm, false)
	if id != s.ClientID || (secret != "" && secret != s.ClientSecret) {
		oauthError("invalid_client", "Invalid client_id or client_secret")
		return
	}
	p := r.PostForm
	switch p.Get("grant_type") {
	case "authorization_code":
		g := s.codes[p.Get("code")]
		switch {
		case g == nil || g.used || !s.now().Before(g.expires):
			oauthError("invalid_grant", "code doesn't exist or has expired")
		case secret == "" && g.CodeChallenge == "":
			oauthError("invalid_request", "No auth function available for given request")
		case p.Get("redirect_uri") != g.RedirectURI:
			oauthError("invalid_grant", "redirect_uri mismatch")
		case g.CodeChallenge != "" && !verifierMatches(p.Get("code_verifier"), g.CodeChallenge, g.ChallengeMethod):
			oauthError("invalid_grant", "invalid code verifier")
		default:
			g.used = true
			writeJSON(w, http.StatusOK, s.issue(g.Grant))
		}
	case "refresh_token":
		rg := s.refresh[p.Get("refresh_token")]
		switch {
		case rg != nil && rg.spent && s.revokeOnReuse && !rg.family.revoked:
			// A spent token presented again: as if stolen.
			s.revokeFamily(rg.family)
			oauthError("invalid_grant", "refresh token is invalid or revoked")
		case rg == nil || !rg.usable():
			oauthError("invalid_grant", "refresh token is invalid or revoked")
		case secret == "" && !rg.pkce:
			oauthError("invalid_request", "No auth function available for given request")
		default:
			s.refreshes.Add(1)
			access := "sl.u." + fakekit.RandomString(40)
			t := &token{scopes: slices.Clone(rg.scopes), expires: s.now().Add(s.ttl), refresh: p.Get("refresh_token")}
			out := map[string]any{"access_token": access, "token_type": "bearer", "expires_in": s.reportedExpiresIn()}
			if s.rotate {
				next := fakekit.RandomString(64)
				s.refresh[next] = &refreshGrant{scopes: rg.scopes, pkce: rg.pkce, family: rg.family}
				rg.spent, t.refresh, out["refresh_token"] = true, next, next
			}
			s.tokens[access] = t
			writeJSON(w, http.StatusOK, out)
		}
	case "":
		oauthError("invalid_request", "Missing grant_type")
	default:
		oauthError("unsupported_grant_type", "grant_type must be authorization_code or refresh_token")
	}
}

// issue answers a successful code exchange; the caller holds s.mu.
func (s *Server) issue(g Grant) map[string]any {
	scopes := g.Scopes
	if len(scopes) == 0 {
		scopes = AllScopes
	}
	access := "sl.u." + fakekit.RandomString(40)
	t := &token{scopes: slices.Clone(scopes), expires: s.now().Add(s.ttl)}
	out := map[string]any{"access_token": access, "token_type": "bearer", "expires_in": s.reportedExpiresIn(),
		"scope": strings.Join(scopes, " "), "uid": AccountUID, "account_id": AccountID}
	if g.Offline {
		refresh := fakekit.RandomString(64)
		s.refresh[refresh] = &refreshGrant{scopes: slices.Clone(scopes), pkce: g.CodeChallenge != "", family: &family{}}
		t.refresh = refresh
		out["refresh_token"] = refresh
	}
	s.tokens[access] = t
	return out
}

func verifierMatches(verifier, challenge, method string) bool {
	if len(verifier) < 43 || len(verifier) > 128 {
		return false
	}
	if method == "plain" {
		return verifier == challenge
	}
	return fakekit.S256(verifier) == challenge
}
