package googlefake

import (
	"net/http"
	"strings"

	"github.com/mcpgate/mcpgate/pkg/connector/fakekit"
)

// writeFailure answers as Google does, in the API's error document on API
// paths and in the OAuth error document on the OAuth endpoints:
// ServerError is a 500 backendError; RateLimit is Gmail's 429
// rateLimitExceeded or Drive's 403 userRateLimitExceeded, both with
// Retry-After (the OAuth endpoints answer 429); EchoToken is a 400 quoting
// the credential sent (the bearer token, or the code or refresh token of a
// token request).
func writeFailure(w http.ResponseWriter, r *http.Request, f fakekit.Failure) {
	api := isAPI(r.URL.Path)
	switch f {
	case fakekit.ServerError:
		if !api {
			writeOAuthError(w, http.StatusInternalServerError, "internal_failure", "Backend Error")
			break
		}
		writeError(w, http.StatusInternalServerError, "INTERNAL", "Internal error encountered.",
			errItem{Message: "Internal error encountered.", Domain: "global", Reason: "backendError"})
	case fakekit.RateLimit:
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
	case fakekit.EchoToken:
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
}
