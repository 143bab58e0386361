package dropboxfake

import (
	"io"
	"net/http"
	"strconv"
	"strings"
)

// Failure is a way for the fake to misbehave, set with FailNext.
type Failure int

const (
	// None answers normally.
	None Failure = iota
	// Hang never answers: the handler blocks until the client gives up
	// or the server is closed.
	Hang
	// Garbage answers 200 with an HTML page, as a captive portal or a
	// misconfigured proxy would.
	Garbage
	// ServerError answers 500 with an HTML error page.
	ServerError
	// RateLimit answers 429 with Retry-After and Dropbox's
	// too_many_requests document.
	RateLimit
	// EchoToken answers 400 with the plain-text error Dropbox gives for a
	// malformed Authorization header, which quotes the header back.
	EchoToken
)

// RetryAfter is the Retry-After, in seconds, of a RateLimit failure.
const RetryAfter = 300

// FailNext makes the next n requests fail with f; n < 0 means every
// request until FailNext(None, 0). Failures apply before authentication,
// like a broken proxy in front of Dropbox would.
func (s *Server) FailNext(f Failure, n int) {
	s.failMu.Lock()
	defer s.failMu.Unlock()
	s.failure, s.failLeft = f, n
	if f == None || n == 0 {
		s.failure, s.failLeft = None, 0
	}
}

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

func (s *Server) fail(w http.ResponseWriter, r *http.Request) bool {
	route := strings.TrimPrefix(r.URL.Path, "/2/")
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
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = io.WriteString(w, "<html><body><h1>Error (5xx)</h1>Something went wrong.</body></html>")
	case RateLimit:
		w.Header().Set("Retry-After", strconv.Itoa(RetryAfter))
		writeJSON(w, http.StatusTooManyRequests, map[string]any{"error_summary": "too_many_requests/..",
			"error": map[string]any{"reason": map[string]any{".tag": "too_many_requests"}, "retry_after": RetryAfter}})
	case EchoToken:
		writeText(w, http.StatusBadRequest, "Error in call to API function \""+route+"\": Invalid authorization value in HTTP header \"Authorization\": \""+
			r.Header.Get("Authorization")+"\".  Expecting \"Bearer <oauth2-access-token>\".")
	}
	return true
}
