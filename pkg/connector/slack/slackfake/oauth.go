package slackfake

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/mcpgate/mcpgate/pkg/connector/fakekit"
)

// InstallerID is the user who approves the app at the authorize step.
const InstallerID = "U01ALICE"

// codeTTL is how long an authorization code can be exchanged.
const codeTTL = 10 * time.Minute

// Grant is what a person approved at the authorize step.
type Grant struct {
	// RedirectURI is where the code was sent; the exchange must repeat it.
	RedirectURI string
	// CodeChallenge is the PKCE S256 challenge; "" when the app sent none.
	CodeChallenge string
	// Scopes are bot scopes (a bot token is issued); UserScopes are user
	// scopes (a user token is issued in authed_user).
	Scopes, UserScopes []string
}

type grant struct {
	Grant
	expires time.Time
	used    bool
}

type refreshGrant struct {
	kind, user string
	scopes     []string
	revoked    bool
}

// MintCode returns an authorization code as if the installer had approved
// g in a browser, for tests that drive the exchange without one.
func (s *Server) MintCode(g Grant) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	code := fmt.Sprintf("%s.%d.%s", strings.TrimPrefix(TeamID, "T"), s.now().Unix(), fakekit.RandomString(24))
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
// issued with token rotation) expire now.
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
// DenyConsent) and sends the browser back with code and state.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	errorPage := func(msg string) { fakekit.ErrorPage(w, "Something went wrong", msg) }
	s.mu.Lock()
	clientID, redirects := s.ClientID, s.redirects
	s.mu.Unlock()
	if q.Get("client_id") != clientID {
		errorPage("invalid_client_id: the client_id parameter is not a Slack app's")
		return
	}
	redirect := q.Get("redirect_uri")
	if redirect == "" && len(redirects) > 0 {
		redirect = redirects[0]
	}
	if redirect == "" || !fakekit.RedirectAllowed(redirect, redirects) {
		errorPage("bad_redirect_uri: redirect_uri did not match any configured URIs")
		return
	}
	g := Grant{RedirectURI: q.Get("redirect_uri"), Scopes: splitScopes(q.Get("scope")), UserScopes: splitScopes(q.Get("user_scope"))}
	if ch, m := q.Get("code_challenge"), q.Get("code_challenge_method"); ch != "" {
		if m != "S256" {
			errorPage("invalid_code_challenge_method: only S256 is supported")
			return
		}
		g.CodeChallenge = ch
	}
	v := url.Values{}
	switch {
	case s.Denied():
		v.Set("error", "access_denied")
	case len(g.Scopes)+len(g.UserScopes) == 0:
		v.Set("error", "invalid_scope")
	default:
		v.Set("code", s.MintCode(g))
	}
	if st := q.Get("state"); st != "" {
		v.Set("state", st)
	}
	fakekit.RedirectBack(w, r, redirect, v)
}

// oauthAccess is oauth.v2.access: code exchange and refresh.
func (s *Server) oauthAccess(w http.ResponseWriter, r *http.Request, p url.Values) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id, secret, _ := fakekit.ClientCredentials(r, p, false)
	reply := func(v map[string]any) { writeJSON(w, http.StatusOK, v) }
	if id != s.ClientID {
		reply(failure("invalid_client_id"))
		return
	}
	grantType := p.Get("grant_type")
	if grantType == "" && p.Get("code") != "" {
		grantType = "authorization_code"
	}
	switch grantType {
	case "authorization_code":
		g := s.codes[p.Get("code")]
		switch {
		case g == nil || g.used || !s.now().Before(g.expires):
			reply(failure("invalid_code"))
		case secret != s.ClientSecret && (secret != "" || g.CodeChallenge == ""):
			reply(failure("bad_client_secret"))
		case g.RedirectURI != "" && p.Get("redirect_uri") != g.RedirectURI:
			reply(failure("bad_redirect_uri"))
		case g.CodeChallenge != "" && fakekit.S256(p.Get("code_verifier")) != g.CodeChallenge:
			reply(failure("invalid_code_verifier"))
		default:
			g.used = true
			reply(s.install(g.Grant))
		}
	case "refresh_token":
		rg := s.refresh[p.Get("refresh_token")]
		switch {
		case rg == nil || rg.revoked:
			reply(failure("invalid_refresh_token"))
		case secret != s.ClientSecret:
			reply(failure("bad_client_secret"))
		default:
			s.refreshes.Add(1)
			tok, ref, exp := s.issue(rg.kind, rg.user, rg.scopes)
			out := map[string]any{"ok": true, "app_id": AppID, "access_token": tok, "token_type": rg.kind,
				"scope": strings.Join(rg.scopes, ","), "refresh_token": ref, "expires_in": exp,
				"team": map[string]any{"id": TeamID, "name": TeamName}, "enterprise": nil, "is_enterprise_install": false}
			if rg.kind == "bot" {
				out["bot_user_id"] = BotUserID
			}
			reply(out)
		}
	default:
		reply(failure("invalid_grant_type"))
	}
}

// install answers a successful code exchange; the caller holds s.mu.
func (s *Server) install(g Grant) map[string]any {
	out := map[string]any{"ok": true, "app_id": AppID, "team": map[string]any{"id": TeamID, "name": TeamName},
		"enterprise": nil, "is_enterprise_install": false}
	authed := map[string]any{"id": InstallerID}
	if len(g.Scopes) > 0 {
		tok, ref, exp := s.issue("bot", BotUserID, g.Scopes)
		out["access_token"], out["token_type"], out["bot_user_id"] = tok, "bot", BotUserID
		out["scope"] = strings.Join(g.Scopes, ",")
		if ref != "" {
			out["refresh_token"], out["expires_in"] = ref, exp
		}
	}
	if len(g.UserScopes) > 0 {
		tok, ref, exp := s.issue("user", InstallerID, g.UserScopes)
		authed["access_token"], authed["token_type"], authed["scope"] = tok, "user", strings.Join(g.UserScopes, ",")
		if ref != "" {
			authed["refresh_token"], authed["expires_in"] = ref, exp
		}
	}
	out["authed_user"] = authed
	return out
}

// issue mints an access token, plus a refresh token when rotation is on;
// the caller holds s.mu.
func (s *Server) issue(kind, user string, scopes []string) (access, refresh string, expiresIn int) {
	prefix := "xoxb-"
	if kind == "user" {
		prefix = "xoxp-"
	}
	t := &token{kind: kind, user: user, scopes: slices.Clone(scopes)}
	if s.rotation <= 0 {
		access = prefix + "1000-" + fakekit.RandomString(24)
		s.tokens[access] = t
		return access, "", 0
	}
	access = "xoxe." + prefix + "1-" + fakekit.RandomString(32)
	refresh = "xoxe-1-" + fakekit.RandomString(40)
	t.expires = s.now().Add(s.rotation)
	s.tokens[access] = t
	s.refresh[refresh] = &refreshGrant{kind: kind, user: user, scopes: slices.Clone(scopes)}
	return access, refresh, int(s.rotation / time.Second)
}

func splitScopes(v string) []string {
	return strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' })
}
