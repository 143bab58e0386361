package slackfake

import (
	"io"
	"net/http"
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
	// ServerError answers 500 with {"ok":false,"error":"fatal_error"}.
	ServerError
	// RateLimit answers 429 with Retry-After: 30 and
	// {"ok":false,"error":"ratelimited"}, as Slack does.
	RateLimit
	// EchoToken answers invalid_arguments with response_metadata messages
	// quoting the credential the caller sent, to prove the caller scrubs
	// upstream text.
	EchoToken
)

// RetryAfter is the Retry-After, in seconds, of a RateLimit failure.
const RetryAfter = 30

// FailNext makes the next n requests fail with f; n < 0 means every
// request until FailNext(None, 0). Failures apply before authentication,
// like a broken proxy in front of Slack would.
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
		writeJSON(w, http.StatusInternalServerError, map[string]any{"ok": false, "error": "fatal_error"})
	case RateLimit:
		w.Header().Set("Retry-After", itoa(RetryAfter))
		writeJSON(w, http.StatusTooManyRequests, map[string]any{"ok": false, "error": "ratelimited"})
	case EchoToken:
		auth := r.Header.Get("Authorization")
		_, tok, _ := strings.Cut(auth, " ")
		writeJSON(w, http.StatusOK, map[string]any{
			"ok": false, "error": "invalid_arguments",
			"response_metadata": map[string]any{"messages": []string{
				"[ERROR] token " + tok + " may not call " + strings.TrimPrefix(r.URL.Path, "/api/"),
				"[ERROR] request had Authorization: " + auth,
			}},
		})
	}
	return true
}
