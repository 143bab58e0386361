package githubfake

import (
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Failure is a way for the fake to misbehave, set with FailNext.
type Failure int

const (
	// None answers normally.
	None Failure = iota
	// Hang never answers: the handler blocks until the client gives up
	// (its timeout or context fires) or the server is closed.
	Hang
	// Garbage answers 200 with an HTML body, as a captive portal or a
	// misconfigured proxy would.
	Garbage
	// ServerError answers 500 with GitHub's JSON error document.
	ServerError
	// RateLimit answers 403 as GitHub does when the primary rate limit is
	// spent: x-ratelimit-remaining 0 and x-ratelimit-reset ten minutes on.
	RateLimit
	// EchoToken answers 400 with a message quoting the credential the
	// caller sent, to prove the caller scrubs upstream text.
	EchoToken
)

// FailNext makes the next n requests fail with f; n < 0 means every
// request until FailNext(None, 0). Failures apply before authentication,
// like a broken proxy in front of GitHub would.
func (s *Server) FailNext(f Failure, n int) {
	s.failMu.Lock()
	defer s.failMu.Unlock()
	s.failure, s.failLeft = f, n
	if f == None || n == 0 {
		s.failure, s.failLeft = None, 0
	}
}

// take returns the failure for this request and uses one up.
func (s *Server) take() Failure {
	s.failMu.Lock()
	defer s.failMu.Unlock()
	f := s.failure
	switch {
	case f == None:
	case s.failLeft > 1:
		s.failLeft--
	case s.failLeft == 1:
		s.failure, s.failLeft = None, 0
	}
	return f
}

// fail writes the response for a pending failure and reports whether it
// did so.
func (s *Server) fail(w http.ResponseWriter, r *http.Request) bool {
	switch s.take() {
	case None:
		return false
	case Hang:
		select {
		case <-r.Context().Done():
		case <-s.closing:
		}
	case Garbage:
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(w, "<html><body><h1>Welcome to Hotel Wi-Fi</h1>Please log in.</body></html>")
	case ServerError:
		writeError(w, http.StatusInternalServerError, "Server Error")
	case RateLimit:
		reset := time.Now().Add(10 * time.Minute).Unix()
		h := w.Header()
		h.Set("Content-Type", "application/json; charset=utf-8")
		h.Set("X-RateLimit-Limit", "5000")
		h.Set("X-RateLimit-Remaining", "0")
		h.Set("X-RateLimit-Used", "5000")
		h.Set("X-RateLimit-Reset", strconv.FormatInt(reset, 10))
		h.Set("X-RateLimit-Resource", "core")
		w.WriteHeader(http.StatusForbidden)
		_, _ = io.WriteString(w, `{"message":"API rate limit exceeded for user ID 1. If you reach out to GitHub Support for help, please include the request ID.","documentation_url":"https://docs.github.com/rest/overview/rate-limits-for-the-rest-api","status":"403"}`+"\n")
	case EchoToken:
		_, tok, _ := strings.Cut(r.Header.Get("Authorization"), " ")
		writeError(w, http.StatusBadRequest, "Bad request: the token "+tok+" is not valid for "+r.URL.Path+" (Authorization: "+r.Header.Get("Authorization")+")")
	}
	return true
}

func itoa(n int) string { return strconv.Itoa(n) }
