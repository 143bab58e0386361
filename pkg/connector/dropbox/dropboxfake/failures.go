package dropboxfake

import (
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/mcpgate/mcpgate/pkg/connector/fakekit"
)

// RetryAfter is the Retry-After, in seconds, of a RateLimit failure.
const RetryAfter = 300

// writeFailure answers as Dropbox does: ServerError is a 500 with an HTML
// error page; RateLimit a 429 with Retry-After and the too_many_requests
// document; EchoToken the plain-text 400 Dropbox gives for a malformed
// Authorization header, which quotes the header back.
func writeFailure(w http.ResponseWriter, r *http.Request, f fakekit.Failure) {
	switch f {
	case fakekit.ServerError:
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = io.WriteString(w, "<html><body><h1>Error (5xx)</h1>Something went wrong.</body></html>")
	case fakekit.RateLimit:
		w.Header().Set("Retry-After", strconv.Itoa(RetryAfter))
		writeJSON(w, http.StatusTooManyRequests, map[string]any{"error_summary": "too_many_requests/..",
			"error": map[string]any{"reason": map[string]any{".tag": "too_many_requests"}, "retry_after": RetryAfter}})
	case fakekit.EchoToken:
		route := strings.TrimPrefix(r.URL.Path, "/2/")
		writeText(w, http.StatusBadRequest, "Error in call to API function \""+route+"\": Invalid authorization value in HTTP header \"Authorization\": \""+
			r.Header.Get("Authorization")+"\".  Expecting \"Bearer <oauth2-access-token>\".")
	}
}
