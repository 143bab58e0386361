package githubfake

import (
	"crypto/subtle"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
)

// Login is the seeded user that every accepted token belongs to.
const Login = "octocat"

// APIVersion is the only X-GitHub-Api-Version the fake accepts.
const APIVersion = "2022-11-28"

const docsURL = "https://docs.github.com/rest"

// Server is a fake GitHub REST API. Its methods are safe for concurrent use.
type Server struct {
	// URL is the API base URL to give the connector, including the path
	// prefix when one was set with WithPathPrefix.
	URL string

	srv      *httptest.Server
	token    string
	prefix   string
	requests atomic.Int64
	closing  chan struct{}
	close    sync.Once

	failMu   sync.Mutex
	failure  Failure
	failLeft int // < 0: until FailNext(None, 0)

	mu          sync.RWMutex
	repos       map[string]*repoState // by lower-case "owner/name"
	lastHeaders http.Header
	nextID      int64
}

// Option configures New.
type Option func(*Server)

// WithPathPrefix serves the API under prefix, as GitHub Enterprise Server
// does under "/api/v3".
func WithPathPrefix(prefix string) Option {
	return func(s *Server) { s.prefix = "/" + strings.Trim(prefix, "/") }
}

// New starts a fake that accepts token as "Authorization: Bearer <token>"
// or "Authorization: token <token>". Close it when done.
func New(token string, opts ...Option) *Server {
	s := &Server{token: token, closing: make(chan struct{}), repos: map[string]*repoState{}, nextID: 1000}
	for _, o := range opts {
		o(s)
	}
	if s.prefix == "/" {
		s.prefix = ""
	}
	var h http.Handler = s.routes()
	if s.prefix != "" {
		h = http.StripPrefix(s.prefix, h)
	}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.requests.Add(1)
		s.mu.Lock()
		s.lastHeaders = r.Header.Clone()
		s.mu.Unlock()
		if s.fail(w, r) || !s.authorized(w, r) {
			return
		}
		h.ServeHTTP(w, r)
	}))
	s.URL = s.srv.URL + s.prefix
	s.seed()
	return s
}

// Close releases hanging requests and shuts the server down.
func (s *Server) Close() {
	s.close.Do(func() {
		close(s.closing)
		s.srv.Close()
	})
}

// Requests reports how many HTTP requests the fake has received, including
// refused and failed ones.
func (s *Server) Requests() int64 { return s.requests.Load() }

// LastHeaders returns a copy of the headers of the most recent request.
func (s *Server) LastHeaders() http.Header {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.lastHeaders.Clone()
}

// Client returns an HTTP client for the fake (no timeout of its own).
func (s *Server) Client() *http.Client { return s.srv.Client() }

func (s *Server) authorized(w http.ResponseWriter, r *http.Request) bool {
	got := r.Header.Get("Authorization")
	if got == "" {
		writeError(w, http.StatusUnauthorized, "Requires authentication")
		return false
	}
	scheme, tok, _ := strings.Cut(got, " ")
	scheme = strings.ToLower(scheme)
	ok := (scheme == "bearer" || scheme == "token") &&
		subtle.ConstantTimeCompare([]byte(strings.TrimSpace(tok)), []byte(s.token)) == 1
	if !ok {
		writeError(w, http.StatusUnauthorized, "Bad credentials")
		return false
	}
	// GitHub refuses requests without a User-Agent and unknown API versions.
	if r.Header.Get("User-Agent") == "" {
		writeError(w, http.StatusForbidden, "Request forbidden by administrative rules. Please make sure your request has a User-Agent header (https://docs.github.com/en/rest/overview/resources-in-the-rest-api#user-agent-required). Check https://developer.github.com for other possible causes.")
		return false
	}
	if v := r.Header.Get("X-GitHub-Api-Version"); v != "" && v != APIVersion {
		writeError(w, http.StatusBadRequest, "API version '"+v+"' is not supported.")
		return false
	}
	return true
}

// writeJSON sends v with the headers GitHub puts on every API response.
func writeJSON(w http.ResponseWriter, status int, v any) {
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("X-GitHub-Media-Type", "github.v3; format=json")
	h.Set("X-RateLimit-Limit", "5000")
	h.Set("X-RateLimit-Remaining", "4999")
	h.Set("X-RateLimit-Used", "1")
	h.Set("X-RateLimit-Resource", "core")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, msg string, errs ...fieldError) {
	writeJSON(w, status, errorJSON{Message: msg, Errors: errs, DocumentationURL: docsURL, Status: itoa(status)})
}

func notFound(w http.ResponseWriter) { writeError(w, http.StatusNotFound, "Not Found") }
