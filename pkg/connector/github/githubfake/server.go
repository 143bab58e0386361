package githubfake

import (
	"crypto/subtle"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/mcpgate/mcpgate/pkg/connector/fakekit"
)

// Login is the seeded user that every accepted token belongs to.
const Login = "octocat"

// APIVersion is the X-GitHub-Api-Version the connector sends; the fake
// accepts it and the others in APIVersions.
const APIVersion = "2022-11-28"

// APIVersions are the REST API versions GitHub publishes
// (https://docs.github.com/rest/about-the-rest-api/api-versions).
var APIVersions = []string{"2022-11-28", "2026-03-10"}

const docsURL = "https://docs.github.com/rest"

// Server is a fake GitHub REST API. Its methods are safe for concurrent use.
type Server struct {
	// URL is the API base URL to give the connector, including the path
	// prefix when one was set with WithPathPrefix.
	URL string

	fakekit.Base // Close, Requests, LastHeaders, Client, FailNext

	token  string
	prefix string

	mu     sync.RWMutex
	repos  map[string]*repoState // by lower-case "owner/name"
	nextID int64

	app oauthApp
}

// Option configures New.
type Option func(*Server)

// WithPathPrefix serves the API under prefix, as GitHub Enterprise Server
// does under "/api/v3".
func WithPathPrefix(prefix string) Option {
	return func(s *Server) { s.prefix = "/" + strings.Trim(prefix, "/") }
}

// AddFile adds (or replaces) a file in a seeded repository, e.g. one over
// 1 MB that the contents API serves only as raw. It panics when the
// repository is not seeded.
func (s *Server) AddFile(owner, repo, path string, data []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.repos[strings.ToLower(owner+"/"+repo)].files[path] = data
}

// appUserToken reports whether the fake's token is a GitHub App user
// access token (ghu_ prefix), which GitHub treats differently in search.
func (s *Server) appUserToken() bool { return strings.HasPrefix(s.token, "ghu_") }

// New starts a fake that accepts token as "Authorization: Bearer <token>"
// or "Authorization: token <token>". Close it when done.
func New(token string, opts ...Option) *Server {
	s := &Server{token: token, repos: map[string]*repoState{}, nextID: 1000}
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
	root := s.Start(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.oauthRoute(w, r) {
			return
		}
		if s.authorized(w, r) {
			h.ServeHTTP(w, r)
		}
	}), writeFailure)
	s.URL = root + s.prefix
	s.seed()
	return s
}

func (s *Server) authorized(w http.ResponseWriter, r *http.Request) bool {
	got := r.Header.Get("Authorization")
	if got == "" {
		writeError(w, http.StatusUnauthorized, "Requires authentication")
		return false
	}
	scheme, tok, _ := strings.Cut(got, " ")
	scheme = strings.ToLower(scheme)
	ok := (scheme == "bearer" || scheme == "token") &&
		subtle.ConstantTimeCompare([]byte(strings.TrimSpace(tok)), []byte(s.token)) == 1 && !s.Revoked()
	if !ok {
		writeError(w, http.StatusUnauthorized, "Bad credentials")
		return false
	}
	// GitHub refuses requests without a User-Agent and unknown API versions.
	if r.Header.Get("User-Agent") == "" {
		writeError(w, http.StatusForbidden, "Request forbidden by administrative rules. Please make sure your request has a User-Agent header (https://docs.github.com/en/rest/overview/resources-in-the-rest-api#user-agent-required). Check https://developer.github.com for other possible causes.")
		return false
	}
	if v := r.Header.Get("X-GitHub-Api-Version"); v != "" && !slices.Contains(APIVersions, v) {
		writeError(w, http.StatusBadRequest, "API version '"+v+"' is not supported.")
		return false
	}
	return true
}

// writeJSON sends v with the headers GitHub puts on every API response.
func writeJSON(w http.ResponseWriter, status int, v any) {
	h := w.Header()
	h.Set("X-GitHub-Media-Type", "github.v3; format=json")
	h.Set("X-RateLimit-Limit", "5000")
	h.Set("X-RateLimit-Remaining", "4999")
	h.Set("X-RateLimit-Used", "1")
	h.Set("X-RateLimit-Resource", "core")
	fakekit.WriteJSON(w, status, "application/json; charset=utf-8", v)
}

func writeError(w http.ResponseWriter, status int, msg string, errs ...fieldError) {
	writeJSON(w, status, errorJSON{Message: msg, Errors: errs, DocumentationURL: docsURL, Status: itoa(status)})
}

func notFound(w http.ResponseWriter) { writeError(w, http.StatusNotFound, "Not Found") }
