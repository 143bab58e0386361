package slackfake

import (
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mcpgate/mcpgate/pkg/connector/fakekit"
)

// Default OAuth client of the fake's Slack app.
const (
	ClientID     = "1111111111.2222222222"
	ClientSecret = "fake-slack-client-secret"
)

// AllScopes are the scopes the initial token has unless WithScopes says
// otherwise: everything the slack connector asks for.
var AllScopes = []string{
	"channels:read", "channels:history", "groups:read", "groups:history",
	"chat:write", "users:read", "users:read.email",
}

// Server is a fake Slack. Its methods are safe for concurrent use.
type Server struct {
	// URL is the Web API base to give the connector (…/api).
	URL string
	// AuthURL, TokenURL and RevokeURL are the OAuth endpoints.
	AuthURL, TokenURL, RevokeURL string
	// ClientID and ClientSecret are the registered app's credentials.
	ClientID, ClientSecret string

	fakekit.Base    // Close, Requests, LastHeaders, Client, FailNext
	fakekit.Consent // DenyConsent

	refreshes atomic.Int64

	mu           sync.Mutex
	tokens       map[string]*token
	codes        map[string]*grant
	refresh      map[string]*refreshGrant
	redirects    []string
	rotation     time.Duration // > 0: tokens expire and come with refresh tokens
	now          func() time.Time
	users        []*fakeUser
	channels     []*fakeChannel
	lastTS       int64 // microseconds of the newest ts handed out
	initialScope []string
	// limited: the app is a commercial one not from the Slack Marketplace,
	// created since 2025-05-29; lastRead is when each limited method last
	// answered.
	limited  bool
	lastRead map[string]time.Time
}

// Option configures New.
type Option func(*Server)

// WithClient sets the OAuth app's client id and secret.
func WithClient(id, secret string) Option {
	return func(s *Server) { s.ClientID, s.ClientSecret = id, secret }
}

// WithRedirectURIs registers the app's redirect URLs; authorize and the
// code exchange then refuse any other (bad_redirect_uri). Without it any
// redirect_uri is accepted, but the exchange must repeat the one used.
func WithRedirectURIs(uris ...string) Option {
	return func(s *Server) { s.redirects = append(s.redirects, uris...) }
}

// WithTokenRotation turns on Slack's token rotation: tokens from the OAuth
// endpoint expire after ttl and come with a refresh token.
func WithTokenRotation(ttl time.Duration) Option {
	return func(s *Server) { s.rotation = ttl }
}

// WithScopes sets the scopes of the token given to New.
func WithScopes(scopes ...string) Option {
	return func(s *Server) { s.initialScope = scopes }
}

// WithNonMarketplaceLimits applies what Slack has imposed since 2025-05-29
// on commercial apps not distributed through the Slack Marketplace
// (https://api.slack.com/changelog/2025-05-terms-rate-limit-update-and-faq):
// conversations.history and conversations.replies return at most 15
// messages (15 by default), and answer one request a minute per method;
// sooner, HTTP 429 ratelimited with Retry-After.
func WithNonMarketplaceLimits() Option {
	return func(s *Server) { s.limited = true }
}

// limitedMethods are the methods WithNonMarketplaceLimits applies to.
var limitedMethods = map[string]bool{"conversations.history": true, "conversations.replies": true}

// LimitedRetryAfter is the Retry-After, in seconds, of those methods' 429.
const LimitedRetryAfter = 60

// New starts a fake that accepts accessToken as a bot token of the seeded
// workspace. Close it when done.
func New(accessToken string, opts ...Option) *Server {
	s := &Server{
		ClientID: ClientID, ClientSecret: ClientSecret,
		tokens: map[string]*token{}, codes: map[string]*grant{}, refresh: map[string]*refreshGrant{},
		now:          time.Now,
		initialScope: AllScopes,
		lastRead:     map[string]time.Time{},
	}
	for _, o := range opts {
		o(s)
	}
	s.seed()
	s.tokens[accessToken] = &token{kind: "bot", user: BotUserID, scopes: slices.Clone(s.initialScope)}
	root := s.Start(http.HandlerFunc(s.serve), writeFailure)
	s.URL = root + "/api"
	s.AuthURL = root + "/oauth/v2/authorize"
	s.TokenURL = s.URL + "/oauth.v2.access"
	s.RevokeURL = s.URL + "/auth.revoke"
	return s
}

// Refreshes reports how many refresh_token grants the fake has honoured.
func (s *Server) Refreshes() int64 { return s.refreshes.Load() }

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/oauth/v2/authorize" {
		s.authorize(w, r)
		return
	}
	method, ok := strings.CutPrefix(r.URL.Path, "/api/")
	if !ok {
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		writeJSON(w, http.StatusMethodNotAllowed, map[string]any{"ok": false, "error": "method_not_allowed"})
		return
	}
	p, warning, errCode := params(r)
	if errCode != "" {
		writeJSON(w, http.StatusOK, map[string]any{"ok": false, "error": errCode})
		return
	}
	if method == "oauth.v2.access" {
		s.oauthAccess(w, r, p)
		return
	}
	h, ok := methods[method]
	if !ok {
		writeJSON(w, http.StatusNotFound, map[string]any{"ok": false, "error": "unknown_method", "req_method": method})
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	tok, code := s.authenticate(r, p)
	if code != "" {
		writeJSON(w, http.StatusOK, map[string]any{"ok": false, "error": code})
		return
	}
	if s.limited && limitedMethods[method] {
		if last, ok := s.lastRead[method]; ok && s.now().Sub(last) < time.Minute {
			w.Header().Set("Retry-After", strconv.Itoa(LimitedRetryAfter))
			writeJSON(w, http.StatusTooManyRequests, map[string]any{"ok": false, "error": "ratelimited"})
			return
		}
		if n, err := strconv.Atoi(p.Get("limit")); err != nil || n <= 0 || n > 15 {
			p.Set("limit", "15")
		}
	}
	out := h(s, tok, p)
	if s.limited && limitedMethods[method] && out["ok"] == true {
		s.lastRead[method] = s.now()
	}
	if warning != "" && out["ok"] == true {
		out["warning"] = warning
		out["response_metadata"] = map[string]any{"warnings": []string{warning}}
	}
	writeJSON(w, http.StatusOK, out)
}

// params reads a call's arguments from the query, a form body or a JSON
// body, the three ways Slack accepts them.
func params(r *http.Request) (p url.Values, warning, errCode string) {
	ct, ctParams, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct != "application/json" {
		if err := r.ParseForm(); err != nil {
			return nil, "", "invalid_form_data"
		}
		return r.Form, "", ""
	}
	p = r.URL.Query()
	var body map[string]any
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&body); err != nil {
		return nil, "", "invalid_json"
	}
	for k, v := range body {
		switch v := v.(type) {
		case string:
			p.Set(k, v)
		case bool:
			p.Set(k, strconv.FormatBool(v))
		case float64:
			p.Set(k, strconv.FormatFloat(v, 'f', -1, 64))
		}
	}
	if ctParams["charset"] == "" {
		warning = "missing_charset"
	}
	return p, warning, ""
}

// authenticate finds the call's token; the caller holds s.mu.
func (s *Server) authenticate(r *http.Request, p url.Values) (*token, string) {
	value := p.Get("token")
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, rest, _ := strings.Cut(h, " ")
		if !strings.EqualFold(scheme, "Bearer") {
			return nil, "invalid_auth"
		}
		value = strings.TrimSpace(rest)
	}
	if value == "" {
		return nil, "not_authed"
	}
	t, ok := s.tokens[value]
	switch {
	case !ok:
		return nil, "invalid_auth"
	case t.revoked:
		return nil, "token_revoked"
	case !t.expires.IsZero() && !s.now().Before(t.expires):
		return nil, "token_expired"
	}
	return t, ""
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	fakekit.WriteJSON(w, status, "application/json; charset=utf-8", v)
}
