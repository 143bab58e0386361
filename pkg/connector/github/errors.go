package github

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/mcpgate/mcpgate/pkg/connector"
	"github.com/mcpgate/mcpgate/pkg/connector/toolkit"
)

// ErrTimeout means GitHub did not answer before the call's deadline. It
// matches context.DeadlineExceeded too, so callers may test for either.
var ErrTimeout = errors.New("GitHub did not answer in time")

// ErrRateLimited means GitHub refused the call because a rate limit was
// reached; the message says when it resets if GitHub said so.
var ErrRateLimited = errors.New("GitHub rate limit reached")

// ErrNotFound means GitHub answered 404, which it also does for private
// things the token may not see.
var ErrNotFound = errors.New("not found (or the token cannot see it)")

// callError is every error this package builds from a GitHub exchange. Its
// message is written here (never a wrapped cause's text) and its kind is a
// sentinel, so the chain carries nothing an upstream said besides msg.
type callError struct {
	msg  string
	kind []error
}

func (e *callError) Error() string   { return e.msg }
func (e *callError) Unwrap() []error { return e.kind }

func transportError(ctx context.Context, err error) error {
	msg, kind := toolkit.TransportFailure(ctx, err, "GitHub", "connectors.github.api_url", ErrTimeout)
	return &callError{msg: msg, kind: kind}
}

func unexpected(resp *http.Response) error {
	return &callError{msg: toolkit.UnexpectedResponse("GitHub", resp.StatusCode, resp.Header.Get("Content-Type"),
		"the body is not the JSON the API sends; check connectors.github.api_url points at a GitHub API")}
}

func statusError(method, path string, resp *http.Response, raw []byte) error {
	var body apiErrorBody
	jsonErr := json.Unmarshal(raw, &body)
	// The trailing period is dropped because msg is embedded mid-sentence.
	msg := strings.TrimRight(strings.TrimSpace(body.Message), ".")
	switch code := resp.StatusCode; {
	case code == http.StatusUnauthorized:
		return &callError{
			msg:  "GitHub refused the connection's token (HTTP 401" + toolkit.Detail(msg) + "); check the token, or reconnect the connection with `mcpgate connect`",
			kind: []error{connector.ErrUnauthorized},
		}
	case (code == http.StatusForbidden || code == http.StatusTooManyRequests) && rateLimited(resp.Header, msg):
		return &callError{msg: "GitHub rate limit reached" + toolkit.Detail(msg) + "; " + whenReset(resp.Header, time.Now()), kind: []error{ErrRateLimited}}
	case code == http.StatusNotFound:
		return &callError{msg: method + " " + path + ": not found (or the token cannot see it)", kind: []error{ErrNotFound}}
	case jsonErr != nil && msg == "":
		return unexpected(resp)
	case code == http.StatusForbidden:
		return &callError{msg: "GitHub refused the call (HTTP 403" + toolkit.Detail(msg) + "); the token may lack the scope or permission this needs"}
	}
	text := fmt.Sprintf("GitHub answered HTTP %d", resp.StatusCode)
	if msg != "" {
		text += ": " + msg
	}
	if details := detailText(body.Errors); details != "" {
		text += " (" + details + ")"
	}
	return &callError{msg: text}
}

// rateLimited tells a rate limit from other 403s: the primary limit sets
// x-ratelimit-remaining to 0, a secondary limit sends retry-after or says so.
func rateLimited(h http.Header, msg string) bool {
	return h.Get("X-Ratelimit-Remaining") == "0" || h.Get("Retry-After") != "" ||
		strings.Contains(strings.ToLower(msg), "rate limit")
}

func whenReset(h http.Header, now time.Time) string {
	if s, err := strconv.Atoi(h.Get("Retry-After")); err == nil && s >= 0 {
		return fmt.Sprintf("retry after %d seconds", s)
	}
	if epoch, err := strconv.ParseInt(h.Get("X-Ratelimit-Reset"), 10, 64); err == nil {
		at := time.Unix(epoch, 0).UTC()
		wait := max(at.Sub(now).Round(time.Second), 0)
		return fmt.Sprintf("it resets at %s (in %s)", at.Format(time.RFC3339), wait)
	}
	return "wait a minute before retrying"
}

// detailText summarises the errors array of a 422 Validation Failed.
func detailText(items []json.RawMessage) string {
	var parts []string
	for _, raw := range items {
		var s string
		if json.Unmarshal(raw, &s) == nil {
			parts = append(parts, s)
			continue
		}
		var e struct{ Resource, Field, Code, Message string }
		if json.Unmarshal(raw, &e) != nil {
			continue
		}
		switch {
		case e.Message != "":
			parts = append(parts, e.Message)
		case e.Field != "":
			parts = append(parts, e.Field+": "+e.Code)
		case e.Code != "":
			parts = append(parts, e.Code)
		}
	}
	return strings.Join(parts, "; ")
}

// Redact implements toolkit.Client. It runs on every result and error
// text, since GitHub can echo a token in a message or a user can have
// committed it to a file the model asks for.
func (c *client) Redact(s string) string {
	out, _ := c.secrets.Redact(s)
	return out
}

// Scrub implements toolkit.Client.
func (c *client) Scrub(err error) error { return c.secrets.Scrub(err) }

var _ toolkit.Client = (*client)(nil)
