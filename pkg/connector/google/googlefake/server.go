package googlefake

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mcpgate/mcpgate/pkg/connector/fakekit"
)

// The account every token belongs to.
const (
	Email       = "ada@example.com"
	DisplayName = "Ada Lovelace"
)

// Server is a fake Google. Its methods are safe for concurrent use.
type Server struct {
	// URL is the base URL of everything: give it to the connector as its
	// API URL, and use AuthURL, TokenURL and RevokeURL for OAuth.
	URL string

	fakekit.Base // Close, Requests (OAuth ones too), LastHeaders, Client, FailNext

	tokenReq atomic.Int64
	refresh  atomic.Int64

	mu    sync.Mutex
	auth  authState
	mail  mailbox
	drive drive
	seq   int64
}

// Option configures New.
type Option func(*Server)

// WithScopes sets the scopes of the token given to New (default AllScopes).
func WithScopes(scopes ...string) Option {
	return func(s *Server) { s.auth.initialScopes = scopes }
}

// New starts a fake that accepts accessToken as "Authorization: Bearer
// <accessToken>" with every scope (or those of WithScopes). Close it when
// done.
func New(accessToken string, opts ...Option) *Server {
	s := &Server{seq: 100}
	s.auth.init()
	s.auth.initialScopes = AllScopes
	for _, o := range opts {
		o(s)
	}
	s.auth.addToken(accessToken, s.auth.initialScopes, time.Time{}, nil)
	s.seedMail()
	s.seedDrive()
	s.URL = s.Start(s.routes(), writeFailure)
	return s
}

// AuthURL, TokenURL and RevokeURL are the fake's OAuth endpoints, at the
// paths Google uses.
func (s *Server) AuthURL() string   { return s.URL + "/o/oauth2/v2/auth" }
func (s *Server) TokenURL() string  { return s.URL + "/token" }
func (s *Server) RevokeURL() string { return s.URL + "/revoke" }

func (s *Server) routes() *http.ServeMux {
	m := http.NewServeMux()
	m.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		// Google's front end answers unknown paths with an HTML page.
		w.Header().Set("Content-Type", "text/html; charset=UTF-8")
		w.WriteHeader(http.StatusNotFound)
		_, _ = io.WriteString(w, "<!DOCTYPE html><html><title>Error 404 (Not Found)!!1</title><p><b>404.</b> That’s an error.</p></html>")
	})
	s.mailRoutes(m)
	s.driveRoutes(m)
	s.oauthRoutes(m)
	return m
}

func (s *Server) nextID() int64 {
	s.seq++
	return s.seq
}

// writeJSON sends v as Google's APIs do.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.Header().Set("Vary", "Origin, X-Origin, Referer")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

// errItem is one entry of the errors array of Google's error document.
type errItem struct {
	Message      string `json:"message"`
	Domain       string `json:"domain"`
	Reason       string `json:"reason"`
	Location     string `json:"location,omitempty"`
	LocationType string `json:"locationType,omitempty"`
}

// writeError sends Google's error document.
func writeError(w http.ResponseWriter, code int, status, msg string, items ...errItem) {
	body := map[string]any{"code": code, "message": msg, "status": status}
	if len(items) > 0 {
		body["errors"] = items
	}
	writeJSON(w, code, map[string]any{"error": body})
}

func badRequest(w http.ResponseWriter, msg, location string) {
	writeError(w, http.StatusBadRequest, "INVALID_ARGUMENT", msg,
		errItem{Message: msg, Domain: "global", Reason: "invalid", Location: location, LocationType: "parameter"})
}

func notFound(w http.ResponseWriter, msg string) {
	writeError(w, http.StatusNotFound, "NOT_FOUND", msg, errItem{Message: msg, Domain: "global", Reason: "notFound"})
}

// isAPI tells API paths (Google's error document) from OAuth ones.
func isAPI(path string) bool {
	return strings.HasPrefix(path, "/gmail/") || strings.HasPrefix(path, "/drive/") || strings.HasPrefix(path, "/upload/")
}
