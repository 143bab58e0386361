package githubfake

import (
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/mcpgate/mcpgate/pkg/connector/fakekit"
)

// Failure is a way for the fake to misbehave, set with FailNext. The names
// stay here because tests outside the connector use them.
type Failure = fakekit.Failure

// The failures; see fakekit for what each does in general and
// writeFailure for how GitHub looks when it fails.
const (
	None        = fakekit.None
	Hang        = fakekit.Hang
	Garbage     = fakekit.Garbage
	ServerError = fakekit.ServerError
	RateLimit   = fakekit.RateLimit
	EchoToken   = fakekit.EchoToken
)

// writeFailure answers as GitHub does: ServerError is a 500 with GitHub's
// JSON error document; RateLimit a 403 with x-ratelimit-remaining 0 and
// x-ratelimit-reset ten minutes on, as when the primary rate limit is
// spent; EchoToken a 400 whose message quotes the credential sent.
func writeFailure(w http.ResponseWriter, r *http.Request, f Failure) {
	switch f {
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
}

func itoa(n int) string { return strconv.Itoa(n) }
