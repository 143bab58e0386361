package slack

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/mcpgate/mcpgate/pkg/connector"
	"github.com/mcpgate/mcpgate/pkg/connector/toolkit"
)

// ErrTimeout means Slack did not answer before the call's deadline. It
// matches context.DeadlineExceeded too, so callers may test for either.
var ErrTimeout = errors.New("Slack did not answer in time")

// ErrRateLimited means Slack refused the call because a rate limit was
// reached (HTTP 429 ratelimited, or rate_limited for posting too fast).
var ErrRateLimited = errors.New("Slack rate limit reached")

// ErrNotFound means the channel, thread or user does not exist or the token
// cannot see it.
var ErrNotFound = errors.New("not found (or the token cannot see it)")

// callError is every error this package builds from a Slack exchange. Its
// message is written here and its kind is a sentinel, so the chain carries
// nothing an upstream said besides msg. code is Slack's error code, if any.
type callError struct {
	msg  string
	code string
	kind []error
}

func (e *callError) Error() string   { return e.msg }
func (e *callError) Unwrap() []error { return e.kind }

func transportError(ctx context.Context, err error) error {
	msg, kind := toolkit.TransportFailure(ctx, err, "Slack", "connectors.slack.api_url", ErrTimeout)
	return &callError{msg: msg, kind: kind}
}

func unexpected(resp *http.Response) error {
	return &callError{msg: toolkit.UnexpectedResponse("Slack", resp.StatusCode, resp.Header.Get("Content-Type"),
		"the body is not the JSON the Web API sends; check connectors.slack.api_url points at https://slack.com/api")}
}

// statusError explains an answer that is not a Web API envelope.
func statusError(resp *http.Response) error {
	switch code := resp.StatusCode; {
	case code == http.StatusUnauthorized:
		return unauthorized("invalid_auth")
	case code >= 500:
		return &callError{msg: fmt.Sprintf("Slack answered HTTP %d (a server-side problem); try again later", code)}
	case code == http.StatusNotFound:
		return &callError{msg: "Slack answered HTTP 404: no such API method at this URL; check connectors.slack.api_url (it ends in /api)"}
	}
	return unexpected(resp)
}

func rateLimited(method string, h http.Header, now time.Time) error {
	wait := "wait a minute before retrying"
	if s, err := strconv.Atoi(strings.TrimSpace(h.Get("Retry-After"))); err == nil && s >= 0 {
		wait = fmt.Sprintf("retry after %d seconds (at %s)", s, now.Add(time.Duration(s)*time.Second).UTC().Format(time.RFC3339))
	}
	return &callError{msg: "Slack rate limit reached for " + method + "; " + wait + limitedHint(method), code: "ratelimited", kind: []error{ErrRateLimited}}
}

// limitedHint names the Marketplace limits on the methods they apply to.
func limitedHint(method string) string {
	if method != "conversations.history" && method != "conversations.replies" {
		return ""
	}
	return " (" + marketplaceLimits + "; a workspace-internal app or a Marketplace app is not limited this way)"
}

// tokenProblems are the codes that mean the token itself was refused.
var tokenProblems = map[string]string{
	"not_authed":       "no token was sent",
	"invalid_auth":     "the token is not valid",
	"token_revoked":    "the token was revoked (the app was uninstalled or the user signed out)",
	"token_expired":    "the token has expired",
	"account_inactive": "the token belongs to a deactivated user or workspace",
}

func unauthorized(code string) error {
	return &callError{
		msg:  fmt.Sprintf("Slack refused the connection's token (%s: %s); reconnect it with `mcpgate connect add slack`", code, tokenProblems[code]),
		code: code,
		kind: []error{connector.ErrUnauthorized},
	}
}

// plainErrors explain the other codes the tools' methods document.
var plainErrors = map[string]string{
	"not_in_channel":                           "the app is not a member of this channel; invite it in Slack (/invite @app) and try again",
	"is_archived":                              "the channel is archived, so nothing can be posted to it",
	"msg_too_long":                             "the message text is too long for Slack (at most 40,000 characters)",
	"no_text":                                  "the message has no text",
	"restricted_action":                        "a workspace setting does not allow this token to post here",
	"invalid_cursor":                           "the cursor is not valid (it may be from another listing or expired); start again without cursor",
	"invalid_limit":                            "the limit is not one Slack accepts",
	"invalid_ts_latest":                        "latest is not a valid Slack timestamp",
	"invalid_ts_oldest":                        "oldest is not a valid Slack timestamp",
	"invalid_types":                            "types names a conversation type this token may not list (private_channel needs groups:read; mpim and im need their own scopes)",
	"unknown_method":                           "Slack does not know this API method; check connectors.slack.api_url (it ends in /api)",
	"internal_error":                           "Slack had an internal error; try again later",
	"fatal_error":                              "Slack had an internal error; try again later, and check whether the action happened before repeating it",
	"service_unavailable":                      "Slack is unavailable right now; try again later",
	"restricted_action_read_only_channel":      "the channel is read-only for this token",
	"restricted_action_thread_only_channel":    "the channel only accepts thread replies; use reply_in_thread",
	"restricted_action_non_threadable_channel": "the channel does not accept thread replies",
}

var notFound = map[string]string{
	"channel_not_found": "channel not found (or the token cannot see it: a private channel needs the app invited); list_channels shows what it can see",
	"thread_not_found":  "thread not found: ts does not name a message in this channel (use the ts of the thread's first message)",
	"message_not_found": "message not found in this channel",
	"user_not_found":    "user not found (the id should look like U0123ABCD; list_users shows them)",
	"users_not_found":   "no user has this email address (or the token lacks the users:read.email scope)",
}

// apiError turns an {"ok":false} answer into an error that says what to do.
func apiError(method string, env envelope) error {
	code := env.Error
	if code == "" {
		code = "unknown_error"
	}
	code = toolkit.Clip(code, 80)
	if _, ok := tokenProblems[code]; ok {
		return unauthorized(code)
	}
	if msg, ok := notFound[code]; ok {
		return &callError{msg: method + ": " + msg, code: code, kind: []error{ErrNotFound}}
	}
	switch code {
	case "ratelimited", "rate_limited":
		return &callError{msg: "Slack rate limit reached for " + method + "; wait a minute before retrying" + limitedHint(method), code: code, kind: []error{ErrRateLimited}}
	case "missing_scope":
		msg := "the Slack token lacks the scope " + toolkit.Clip(orUnknown(env.Needed), 200) + " that " + method + " needs"
		if env.Provided != "" {
			msg += " (it has: " + toolkit.Clip(env.Provided, 400) + ")"
		}
		return &callError{msg: msg + "; add the scope to the Slack app, reinstall it and reconnect", code: code}
	}
	msg := plainErrors[code]
	if msg == "" {
		msg = "Slack refused the call"
	}
	text := method + ": " + msg + " (" + code + ")"
	if len(env.Metadata.Messages) > 0 {
		text += ": " + toolkit.Clip(strings.Join(env.Metadata.Messages, "; "), 400)
	}
	return &callError{msg: text, code: code}
}

func orUnknown(s string) string {
	if s == "" {
		return "(unnamed)"
	}
	return s
}

// Redact implements toolkit.Client. It runs on every result: a message
// can quote the token if someone pasted it.
func (c *client) Redact(s string) string {
	out, _ := c.secrets.Redact(s)
	return out
}

// Scrub implements toolkit.Client. Besides the token it removes any bearer
// credential Slack quoted back; Slack's error code stays in the chain.
func (c *client) Scrub(err error) error { return c.secrets.Scrub(err) }

var _ toolkit.Client = (*client)(nil)
