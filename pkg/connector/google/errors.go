package google

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/mcpgate/mcpgate/pkg/connector"
	"github.com/mcpgate/mcpgate/pkg/connector/toolkit"
	"github.com/mcpgate/mcpgate/pkg/secret"
)

// Sentinels that errors from this package match (with errors.Is), besides
// connector.ErrUnauthorized for a refused token.
var (
	// ErrTimeout means Google did not answer before the call's deadline. It
	// matches context.DeadlineExceeded too.
	ErrTimeout = errors.New("Google did not answer in time")
	// ErrRateLimited means Google refused the call because a rate limit or
	// quota was reached.
	ErrRateLimited = errors.New("Google rate limit reached")
	// ErrInsufficientScope means the connection was not granted the OAuth
	// scope the call needs; reconnecting with that scope fixes it.
	ErrInsufficientScope = errors.New("the connection lacks the OAuth scope this needs")
	// ErrNotFound means Google answered 404.
	ErrNotFound = errors.New("not found")
	// ErrTooLarge means a response or file was over the size this package
	// reads.
	ErrTooLarge = errors.New("too large")
	// errForbidden is any other 403; Identify falls back to Drive on it.
	errForbidden = errors.New("forbidden")
)

// callError is every error this package builds from a Google exchange. Its
// message is written here (never a wrapped cause's text, which could hold
// a URL or header) and its kind is a list of sentinels.
type callError struct {
	msg  string
	kind []error
}

func (e *callError) Error() string   { return e.msg }
func (e *callError) Unwrap() []error { return e.kind }

func transportError(ctx context.Context, api string, err error) error {
	msg, kind := toolkit.TransportFailure(ctx, err, api, "connectors.google.api_url", ErrTimeout)
	return &callError{msg: msg, kind: kind}
}

func unexpected(api string, status int, contentType string) error {
	return &callError{msg: toolkit.UnexpectedResponse(api, status, contentType,
		"the body is not the JSON the API sends; check connectors.google.api_url points at Google's APIs")}
}

// googleError is the error document every Google JSON API sends.
type googleError struct {
	Error struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
		Status  string `json:"status"`
		Errors  []struct {
			Reason  string `json:"reason"`
			Message string `json:"message"`
		} `json:"errors"`
		Details []struct {
			Reason string `json:"reason"`
		} `json:"details"`
	} `json:"error"`
}

func (g googleError) reasons() []string {
	var rs []string
	for _, e := range g.Error.Errors {
		rs = append(rs, e.Reason)
	}
	for _, d := range g.Error.Details {
		rs = append(rs, d.Reason)
	}
	return rs
}

func hasReason(rs []string, want ...string) bool {
	for _, r := range rs {
		for _, w := range want {
			if r == w {
				return true
			}
		}
	}
	return false
}

func statusError(api, need string, resp *http.Response, raw []byte) error {
	var body googleError
	jsonErr := json.Unmarshal(raw, &body)
	msg := strings.TrimRight(strings.TrimSpace(body.Error.Message), ".")
	rs := body.reasons()
	code := resp.StatusCode
	switch {
	case code == http.StatusUnauthorized:
		return &callError{
			msg:  api + " refused the connection's access token (HTTP 401): it has expired or was revoked; if this persists, reconnect with `mcpgate connect add google --name <connection>`",
			kind: []error{connector.ErrUnauthorized},
		}
	case rateLimited(code, rs, body.Error.Status):
		return &callError{msg: api + " rate limit reached" + toolkit.Detail(msg) + "; " + retryAfter(resp.Header), kind: []error{ErrRateLimited}}
	case code == http.StatusForbidden && insufficientScope(rs, msg, resp.Header):
		return &callError{
			msg: api + " refused the call: the connection was not granted the permission it needs (insufficient OAuth scopes). " +
				"Reconnect with `mcpgate connect add google --name <connection> --scopes ...` and grant " + need,
			kind: []error{ErrInsufficientScope},
		}
	case code >= 500:
		// A 502 or 503 page from Google's front end is not JSON either.
		return &callError{msg: fmt.Sprintf("%s failed (HTTP %d%s); try again later", api, code, toolkit.Detail(msg))}
	case jsonErr != nil || body.Error.Code == 0 && msg == "":
		// Google's own errors are JSON; anything else (an HTML 404 for an
		// unknown path) means the base URL is not Google's API.
		return unexpected(api, code, resp.Header.Get("Content-Type"))
	case code == http.StatusNotFound:
		return &callError{msg: api + ": not found" + toolkit.Detail(msg) + "; check the id (or this account cannot see it)", kind: []error{ErrNotFound}}
	case code == http.StatusForbidden:
		return &callError{msg: api + " refused the call (HTTP 403" + toolkit.Detail(msg) + ")", kind: []error{errForbidden}}
	}
	return &callError{msg: fmt.Sprintf("%s rejected the request (HTTP %d%s)", api, code, toolkit.Detail(msg))}
}

// rateLimited tells a rate limit or quota from other refusals: Gmail
// answers 429, Drive 403 with a usageLimits reason.
func rateLimited(code int, rs []string, status string) bool {
	if code == http.StatusTooManyRequests || status == "RESOURCE_EXHAUSTED" {
		return true
	}
	return code == http.StatusForbidden && hasReason(rs,
		"rateLimitExceeded", "userRateLimitExceeded", "dailyLimitExceeded", "quotaExceeded", "RATE_LIMIT_EXCEEDED")
}

func insufficientScope(rs []string, msg string, h http.Header) bool {
	return hasReason(rs, "insufficientPermissions", "ACCESS_TOKEN_SCOPE_INSUFFICIENT") ||
		strings.Contains(msg, "insufficient authentication scopes") ||
		strings.Contains(h.Get("WWW-Authenticate"), "insufficient_scope")
}

func retryAfter(h http.Header) string {
	if s, err := strconv.Atoi(h.Get("Retry-After")); err == nil && s >= 0 {
		return fmt.Sprintf("retry after %d seconds", s)
	}
	return "wait a minute before retrying"
}

// scrubbed returns err with token removed from its message (see
// secret.Redactor.Scrub). It takes the token because Revoke scrubs one that
// is not the client's.
func scrubbed(err error, token string) error {
	return secret.NewRedactor(secret.FromString(token)).Scrub(err)
}

// Redact implements toolkit.Client. It runs on every result and error
// text, since an upstream can echo a token in a message.
func (c *client) Redact(s string) string {
	out, _ := c.secrets.Redact(s)
	return out
}

// Scrub implements toolkit.Client.
func (c *client) Scrub(err error) error { return c.secrets.Scrub(err) }

var _ toolkit.Client = (*client)(nil)
