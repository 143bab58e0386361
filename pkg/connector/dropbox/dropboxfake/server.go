package dropboxfake

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mcpgate/mcpgate/pkg/connector/fakekit"
)

// Default OAuth client of the fake's Dropbox app.
const (
	ClientID     = "fakeappkey0001"
	ClientSecret = "fake-dropbox-app-secret"
)

// AllScopes are the scopes the initial token has unless WithScopes says
// otherwise.
var AllScopes = []string{
	"account_info.read", "files.metadata.read", "files.content.read",
	"files.content.write", "sharing.read", "sharing.write",
}

// Server is a fake Dropbox API v2 (RPC and content routes on one host) and
// OAuth server. Its methods are safe for concurrent use.
type Server struct {
	// URL is the base to give the connector (…/2): it serves the RPC and
	// the content routes alike.
	URL string
	// AuthURL, TokenURL and RevokeURL are the OAuth endpoints.
	AuthURL, TokenURL, RevokeURL string
	// ClientID and ClientSecret are the registered app's key and secret.
	ClientID, ClientSecret string

	fakekit.Base    // Close, Requests, LastHeaders, Client, FailNext
	fakekit.Consent // DenyConsent

	refreshes atomic.Int64

	mu        sync.Mutex
	tokens    map[string]*token
	codes     map[string]*grant
	refresh   map[string]*refreshGrant
	redirects []string
	ttl       time.Duration
	now       func() time.Time
	entries   map[string]*entry // by lower-case path
	links     map[string]string // lower-case path -> URL
	nextID    int
	scopes    []string
	// bareConflicts: shared_link_already_exists carries no metadata.
	bareConflicts bool
	// rotate, revokeOnReuse, onRefresh, hold: see rotation.go.
	rotate, revokeOnReuse bool
	onRefresh             func()
	hold                  *barrier
	expiresIn             *int // WithReportedExpiresIn
}

// Option configures New.
type Option func(*Server)

// WithClient sets the app's key (client id) and secret.
func WithClient(id, secret string) Option {
	return func(s *Server) { s.ClientID, s.ClientSecret = id, secret }
}

// WithRedirectURIs registers the app's redirect URIs; the authorize step
// refuses any other. Without it any http(s) redirect_uri is accepted.
func WithRedirectURIs(uris ...string) Option {
	return func(s *Server) { s.redirects = append(s.redirects, uris...) }
}

// WithAccessTokenTTL sets how long OAuth access tokens live (Dropbox: four
// hours, the default).
func WithAccessTokenTTL(ttl time.Duration) Option {
	return func(s *Server) { s.ttl = ttl }
}

// WithReportedExpiresIn makes the token endpoint answer expires_in n
// whatever the tokens' real lifetime (WithAccessTokenTTL), as a provider
// sending a zero or negative value does.
func WithReportedExpiresIn(n int) Option {
	return func(s *Server) { s.expiresIn = &n }
}

// WithScopes sets the scopes of the token given to New.
func WithScopes(scopes ...string) Option {
	return func(s *Server) { s.scopes = scopes }
}

// WithoutLinkMetadata makes shared_link_already_exists errors carry no
// metadata of the existing link, which the API allows (the field is
// optional); callers must then ask list_shared_links.
func WithoutLinkMetadata() Option {
	return func(s *Server) { s.bareConflicts = true }
}

// New starts a fake that accepts accessToken (a long-lived token, as the
// app console generates). Close it when done.
func New(accessToken string, opts ...Option) *Server {
	s := &Server{
		ClientID: ClientID, ClientSecret: ClientSecret,
		tokens: map[string]*token{}, codes: map[string]*grant{}, refresh: map[string]*refreshGrant{},
		ttl: 4 * time.Hour, now: time.Now, scopes: AllScopes,
		entries: map[string]*entry{}, links: map[string]string{},
	}
	for _, o := range opts {
		o(s)
	}
	s.tokens[accessToken] = &token{scopes: slices.Clone(s.scopes)}
	s.seed()
	root := s.Start(http.HandlerFunc(s.serve), writeFailure)
	s.URL = root + "/2"
	s.AuthURL = root + "/oauth2/authorize"
	s.TokenURL = root + "/oauth2/token"
	s.RevokeURL = s.URL + "/auth/token/revoke"
	return s
}

// reportedExpiresIn is the expires_in the token endpoint answers.
func (s *Server) reportedExpiresIn() int {
	if s.expiresIn != nil {
		return *s.expiresIn
	}
	return int(s.ttl / time.Second)
}

// Refreshes reports how many refresh_token grants the fake has honoured.
func (s *Server) Refreshes() int64 { return s.refreshes.Load() }

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/oauth2/authorize":
		s.authorize(w, r)
		return
	case "/oauth2/token":
		s.tokenEndpoint(w, r)
		return
	}
	route, ok := strings.CutPrefix(r.URL.Path, "/2/")
	if !ok {
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodPost {
		writeText(w, http.StatusMethodNotAllowed, "Error in call to API function \""+route+"\": Only POST is allowed")
		return
	}
	if _, ok := routes[route]; !ok {
		if _, ok := contentRoutes[route]; !ok {
			writeText(w, http.StatusNotFound, "Unknown API function: \""+route+"\"")
			return
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.authenticate(w, r, route)
	if !ok {
		return
	}
	if h, ok := contentRoutes[route]; ok {
		h(s, w, r, t)
		return
	}
	arg, ok := rpcArg(w, r, route)
	if !ok {
		return
	}
	rt := routes[route]
	if rt.scope != "" && !t.hasAny(rt.scope) {
		writeJSON(w, http.StatusUnauthorized, map[string]any{"error_summary": "missing_scope/..",
			"error": map[string]any{".tag": "missing_scope", "required_scope": strings.Split(rt.scope, "|")[0]}})
		return
	}
	rt.fn(s, w, route, t, arg)
}

// authenticate checks the bearer token; the caller holds s.mu.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request, route string) (*token, bool) {
	h := r.Header.Get("Authorization")
	if h == "" {
		writeText(w, http.StatusBadRequest, fmt.Sprintf("Error in call to API function %q: Must provide HTTP header \"Authorization\" or URL parameter \"authorization\".", route))
		return nil, false
	}
	scheme, value, _ := strings.Cut(h, " ")
	if !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(value) == "" {
		// Dropbox quotes the header back, which is why callers scrub.
		writeText(w, http.StatusBadRequest, fmt.Sprintf("Error in call to API function %q: Invalid authorization value in HTTP header \"Authorization\": %q.  Expecting \"Bearer <oauth2-access-token>\".", route, h))
		return nil, false
	}
	t, ok := s.tokens[strings.TrimSpace(value)]
	switch {
	case !ok || t.revoked:
		writeAuthError(w, "invalid_access_token")
		return nil, false
	case !t.expires.IsZero() && !s.now().Before(t.expires):
		writeAuthError(w, "expired_access_token")
		return nil, false
	}
	return t, true
}

// rpcArg reads an RPC route's JSON argument, refusing what Dropbox refuses.
func rpcArg(w http.ResponseWriter, r *http.Request, route string) (json.RawMessage, bool) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	ct := r.Header.Get("Content-Type")
	mt, params, _ := mime.ParseMediaType(ct)
	switch {
	case ct == "" && len(body) == 0:
		return json.RawMessage("null"), true
	case mt == "application/json", mt == "text/plain" && params["charset"] == "dropbox-cors-hack":
	default:
		writeText(w, http.StatusBadRequest, fmt.Sprintf("Error in call to API function %q: Bad HTTP \"Content-Type\" header: %q.  Expecting one of \"application/json\", \"application/json; charset=utf-8\", \"text/plain; charset=dropbox-cors-hack\".", route, ct))
		return nil, false
	}
	if !json.Valid(body) {
		writeText(w, http.StatusBadRequest, fmt.Sprintf("Error in call to API function %q: request body: could not decode input as JSON", route))
		return nil, false
	}
	return bytes.TrimSpace(body), true
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	fakekit.WriteJSON(w, status, "application/json", v)
}

func writeText(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, msg)
}

func writeAuthError(w http.ResponseWriter, tag string) {
	writeJSON(w, http.StatusUnauthorized, map[string]any{"error_summary": tag + "/..", "error": map[string]any{".tag": tag}})
}

// writeRouteError sends a 409 with error_summary and the error union.
func writeRouteError(w http.ResponseWriter, summary string, errUnion map[string]any) {
	writeJSON(w, http.StatusConflict, map[string]any{"error_summary": summary + "/..", "error": errUnion})
}

// lookupError is files.LookupError under the tag "path".
func lookupError(w http.ResponseWriter, leaf string) {
	writeRouteError(w, "path/"+leaf, map[string]any{".tag": "path", "path": map[string]any{".tag": leaf}})
}

func badArg(w http.ResponseWriter, route, msg string) {
	writeText(w, http.StatusBadRequest, fmt.Sprintf("Error in call to API function %q: request body: %s", route, msg))
}
