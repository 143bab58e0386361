package slackfake

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/mcpgate/mcpgate/pkg/connector/fakekit"
)

// RetryAfter is the Retry-After, in seconds, of a RateLimit failure.
const RetryAfter = 30

// writeFailure answers as Slack does: ServerError is a 500 with
// {"ok":false,"error":"fatal_error"}; RateLimit a 429 with Retry-After and
// {"ok":false,"error":"ratelimited"}; EchoToken an invalid_arguments answer
// whose response_metadata messages quote the credential sent.
func writeFailure(w http.ResponseWriter, r *http.Request, f fakekit.Failure) {
	switch f {
	case fakekit.ServerError:
		writeJSON(w, http.StatusInternalServerError, map[string]any{"ok": false, "error": "fatal_error"})
	case fakekit.RateLimit:
		w.Header().Set("Retry-After", strconv.Itoa(RetryAfter))
		writeJSON(w, http.StatusTooManyRequests, map[string]any{"ok": false, "error": "ratelimited"})
	case fakekit.EchoToken:
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
}
