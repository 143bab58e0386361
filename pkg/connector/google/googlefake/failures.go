package googlefake

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
	// (its timeout or context fires) or the server is closed.
	Hang
	// Garbage answers 200 with an HTML body, as a captive portal or a
	// misconfigured proxy would.
	Garbage
	// ServerError answers 500 with Google's error document (backendError).
	ServerError
	// RateLimit answers as Google does when a rate limit is reached: Gmail
	// 429 rateLimitExceeded, Drive 403 userRateLimitExceeded, both with
	// Retry-After; the OAuth endpoints 429.
	RateLimit
	// EchoToken answers 400 with a message quoting the credential the
	// caller sent (bearer token, or the code or refresh token of a token
	// request), to prove the caller scrubs upstream text.
	EchoToken
)

// FailNext makes the next n requests fail with f; n < 0 means every
// request until FailNext(None, 0). Failures apply before authentication,
// like a broken proxy in front of Google would.
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
	api := isAPI(r.URL.Path)
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
		if !api {
			writeOAuthError(w, http.StatusInternalServerError, "internal_failure", "Backend Error")
			break
		}
		writeError(w, http.StatusInternalServerError, "INTERNAL", "Internal error encountered.",
			errItem{Message: "Internal error encountered.", Domain: "global", Reason: "backendError"})
	case RateLimit:
		w.Header().Set("Retry-After", "30")
		switch {
		case !api:
			writeOAuthError(w, http.StatusTooManyRequests, "rate_limit_exceeded", "Rate Limit Exceeded")
		case strings.HasPrefix(r.URL.Path, "/gmail/"):
			msg := "User-rate limit exceeded.  Retry after 2030-01-01T00:00:30.000Z"
			writeError(w, http.StatusTooManyRequests, "RESOURCE_EXHAUSTED", msg,
				errItem{Message: msg, Domain: "usageLimits", Reason: "rateLimitExceeded"})
		default:
			writeError(w, http.StatusForbidden, "PERMISSION_DENIED", "User Rate Limit Exceeded",
				errItem{Message: "User Rate Limit Exceeded", Domain: "usageLimits", Reason: "userRateLimitExceeded"})
		}
	case EchoToken:
		_, tok, _ := strings.Cut(r.Header.Get("Authorization"), " ")
		if !api {
			_ = r.ParseForm()
			writeOAuthError(w, http.StatusBadRequest, "invalid_request",
				"Malformed code "+r.PostForm.Get("code")+" or refresh token "+r.PostForm.Get("refresh_token"))
			break
		}
		msg := "Invalid Credentials: the token " + tok + " is not valid for " + r.URL.Path + " (Authorization: " + r.Header.Get("Authorization") + ")"
		writeError(w, http.StatusBadRequest, "INVALID_ARGUMENT", msg, errItem{Message: msg, Domain: "global", Reason: "badRequest"})
	}
	return true
}
