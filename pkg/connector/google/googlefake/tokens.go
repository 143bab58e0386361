package googlefake

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"strings"
	"time"
)

// Scopes the fake knows, with the endpoints that accept them as Google's
// API reference lists them.
const (
	ScopeMail          = "https://mail.google.com/"
	ScopeGmailModify   = "https://www.googleapis.com/auth/gmail.modify"
	ScopeGmailReadonly = "https://www.googleapis.com/auth/gmail.readonly"
	ScopeGmailCompose  = "https://www.googleapis.com/auth/gmail.compose"
	ScopeGmailSend     = "https://www.googleapis.com/auth/gmail.send"
	ScopeGmailMetadata = "https://www.googleapis.com/auth/gmail.metadata"
	ScopeDrive         = "https://www.googleapis.com/auth/drive"
	ScopeDriveReadonly = "https://www.googleapis.com/auth/drive.readonly"
	ScopeDriveFile     = "https://www.googleapis.com/auth/drive.file"
)

// AllScopes is every API scope the fake checks.
var AllScopes = []string{ScopeMail, ScopeGmailModify, ScopeGmailReadonly, ScopeGmailCompose, ScopeGmailSend,
	ScopeDrive, ScopeDriveReadonly, ScopeDriveFile}

var (
	gmailReadScopes    = []string{ScopeMail, ScopeGmailModify, ScopeGmailReadonly}
	gmailProfileScopes = []string{ScopeMail, ScopeGmailModify, ScopeGmailReadonly, ScopeGmailCompose, ScopeGmailMetadata}
	gmailDraftScopes   = []string{ScopeMail, ScopeGmailModify, ScopeGmailCompose}
	gmailSendScopes    = []string{ScopeMail, ScopeGmailModify, ScopeGmailCompose, ScopeGmailSend}
	driveReadScopes    = []string{ScopeDrive, ScopeDriveReadonly, ScopeDriveFile}
	driveWriteScopes   = []string{ScopeDrive, ScopeDriveFile}
)

// accessGrant is one access token.
type accessGrant struct {
	scopes  map[string]bool
	expires time.Time // zero: never
	from    *refreshGrant
	revoked bool
}

// refreshGrant is one refresh token and the consent it stands for.
type refreshGrant struct {
	clientID string
	scopes   []string
	revoked  bool
}

type authState struct {
	initialScopes []string
	lifetime      time.Duration
	autoApprove   bool
	access        map[string]*accessGrant
	refresh       map[string]*refreshGrant
	clients       map[string]*oauthClient
	codes         map[string]*authCode
	pending       map[string]AuthRequest
	revoked       map[string]bool
}

func (a *authState) init() {
	a.lifetime = time.Hour
	a.access = map[string]*accessGrant{}
	a.refresh = map[string]*refreshGrant{}
	a.clients = map[string]*oauthClient{}
	a.codes = map[string]*authCode{}
	a.pending = map[string]AuthRequest{}
	a.revoked = map[string]bool{}
}

func (a *authState) addToken(tok string, scopes []string, expires time.Time, from *refreshGrant) {
	set := map[string]bool{}
	for _, sc := range scopes {
		set[sc] = true
	}
	a.access[tok] = &accessGrant{scopes: set, expires: expires, from: from}
}

func (g *accessGrant) valid(now time.Time) bool {
	return !g.revoked && (g.from == nil || !g.from.revoked) && (g.expires.IsZero() || now.Before(g.expires))
}

func (g *accessGrant) hasAny(scopes []string) bool {
	for _, sc := range scopes {
		if g.scopes[sc] {
			return true
		}
	}
	return false
}

// AddToken registers another access token with the given scopes, e.g. one
// without gmail.send to see a 403 insufficientPermissions.
func (s *Server) AddToken(token string, scopes ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.auth.addToken(token, scopes, time.Time{}, nil)
}

// ExpireAccessTokens makes every access token issued so far (including
// New's) answer 401, as an hour-old Google token does; tokens issued by
// later refreshes work.
func (s *Server) ExpireAccessTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	past := time.Now().Add(-time.Second)
	for _, g := range s.auth.access {
		g.expires = past
	}
}

// SetTokenLifetime sets expires_in (and the real expiry) of access tokens
// issued from now on; default one hour. Zero or less issues tokens that
// have already expired.
func (s *Server) SetTokenLifetime(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.auth.lifetime = d
}

// RevokeGrants revokes every refresh token, as a person removing the app
// at myaccount.google.com would: refreshes then fail with invalid_grant.
func (s *Server) RevokeGrants() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, g := range s.auth.refresh {
		g.revoked = true
	}
}

// Revoked reports whether token (access or refresh) was revoked through
// the revocation endpoint.
func (s *Server) Revoked(token string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.auth.revoked[token]
}

// TokenRequests counts requests to the token endpoint; Refreshes counts
// the successful refresh_token grants among them.
func (s *Server) TokenRequests() int64 { return s.tokenReq.Load() }
func (s *Server) Refreshes() int64     { return s.refresh.Load() }

func randomToken(prefix string) string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// api wraps an API handler with Google's authentication and scope checks.
func (s *Server) api(scopes []string, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !knownParams(w, r) {
			return
		}
		scheme, tok, _ := strings.Cut(r.Header.Get("Authorization"), " ")
		s.mu.Lock()
		g, ok := s.auth.access[strings.TrimSpace(tok)]
		valid := ok && strings.EqualFold(scheme, "Bearer") && g.valid(time.Now())
		allowed := valid && g.hasAny(scopes)
		s.mu.Unlock()
		switch {
		case r.Header.Get("Authorization") == "":
			unauthenticated(w, "Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.", "required")
		case !valid:
			unauthenticated(w, "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.", "authError")
		case !allowed:
			w.Header().Set("WWW-Authenticate", `Bearer realm="https://accounts.google.com/", error="insufficient_scope", scope="`+strings.Join(scopes, " ")+`"`)
			body := map[string]any{
				"code": 403, "message": "Request had insufficient authentication scopes.", "status": "PERMISSION_DENIED",
				"errors": []errItem{{Message: "Insufficient Permission", Domain: "global", Reason: "insufficientPermissions"}},
				"details": []map[string]any{{
					"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "ACCESS_TOKEN_SCOPE_INSUFFICIENT",
					"domain": "googleapis.com", "metadata": map[string]string{"service": serviceOf(r.URL.Path)},
				}},
			}
			writeJSON(w, http.StatusForbidden, map[string]any{"error": body})
		default:
			h(w, r)
		}
	}
}

func unauthenticated(w http.ResponseWriter, msg, reason string) {
	w.Header().Set("WWW-Authenticate", `Bearer realm="https://accounts.google.com/", error="invalid_token"`)
	writeError(w, http.StatusUnauthorized, "UNAUTHENTICATED", msg,
		errItem{Message: "Invalid Credentials", Domain: "global", Reason: reason, Location: "Authorization", LocationType: "header"})
}

func serviceOf(path string) string {
	if strings.HasPrefix(path, "/gmail/") {
		return "gmail.googleapis.com"
	}
	return "drive.googleapis.com"
}
