package dropbox

import (
	"cmp"
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

// ErrTimeout means Dropbox did not answer before the call's deadline. It
// matches context.DeadlineExceeded too, so callers may test for either.
var ErrTimeout = errors.New("Dropbox did not answer in time")

// ErrRateLimited means Dropbox answered 429: too many requests, or too
// many concurrent writes to the account.
var ErrRateLimited = errors.New("Dropbox rate limit reached")

// ErrNotFound means nothing exists at the path (or the token cannot see it).
var ErrNotFound = errors.New("not found")

// callError is every error this package builds from a Dropbox exchange.
// Its message is written here and its kind is a sentinel, so the chain
// carries nothing an upstream said besides msg. tag is the first part of
// Dropbox's error_summary (or its 401 tag), summary the whole of it.
type callError struct {
	msg     string
	tag     string
	summary string
	body    []byte // a 409's JSON body, for routes that read its details
	kind    []error
}

func (e *callError) Error() string   { return e.msg }
func (e *callError) Unwrap() []error { return e.kind }

func transportError(ctx context.Context, err error) error {
	msg, kind := toolkit.TransportFailure(ctx, err, "Dropbox", "connectors.dropbox.api_url", ErrTimeout)
	return &callError{msg: msg, kind: kind}
}

func unexpected(resp *http.Response) error {
	return &callError{msg: toolkit.UnexpectedResponse("Dropbox", resp.StatusCode, resp.Header.Get("Content-Type"),
		"not what the API sends; check connectors.dropbox.api_url points at https://api.dropboxapi.com/2")}
}

// apiError is the JSON body of Dropbox's 401, 403, 409 and 429 answers.
type apiError struct {
	Summary string `json:"error_summary"`
	Error   struct {
		Tag           string `json:".tag"`
		RequiredScope string `json:"required_scope"`
		RetryAfter    int    `json:"retry_after"`
		Reason        struct {
			Tag string `json:".tag"`
		} `json:"reason"`
	} `json:"error"`
}

// summaryParts splits "path/not_found/.." into ["path", "not_found"].
func summaryParts(s string) []string {
	var parts []string
	for p := range strings.SplitSeq(strings.TrimSpace(s), "/") {
		if p = strings.Trim(p, ". "); p != "" {
			parts = append(parts, p)
		}
	}
	return parts
}

func statusError(route string, resp *http.Response, raw []byte) error {
	var body apiError
	isJSON := json.Unmarshal(raw, &body) == nil
	parts := summaryParts(body.Summary)
	tag := body.Error.Tag
	if tag == "" && len(parts) > 0 {
		tag = parts[0]
	}
	switch code := resp.StatusCode; {
	case code == http.StatusUnauthorized:
		return authError(tag, body.Error.RequiredScope)
	case code == http.StatusTooManyRequests:
		return rateLimited(resp.Header, body, time.Now())
	case code == http.StatusConflict && isJSON:
		ce := routeError(route, body.Summary, parts)
		ce.body = raw
		return ce
	case code == http.StatusBadRequest:
		return &callError{msg: "Dropbox refused the request to " + route + " (HTTP 400): " + plainText(raw), tag: "bad_request"}
	case code == http.StatusForbidden:
		return &callError{msg: "Dropbox refused access to " + route + " (HTTP 403" + toolkit.Detail(strings.Join(parts, "/")) + "); the app may lack the permission this needs", tag: tag}
	case code >= 500:
		return &callError{msg: fmt.Sprintf("Dropbox answered HTTP %d (a server-side problem); try again later", code)}
	}
	return unexpected(resp)
}

var authProblems = map[string]string{
	"invalid_access_token": "the token is not valid (revoked, or not a Dropbox token)",
	"expired_access_token": "the token has expired",
	"user_suspended":       "the Dropbox account is suspended",
	"invalid_select_user":  "the token cannot act for that user",
}

func authError(tag, scope string) error {
	if tag == "missing_scope" {
		return &callError{msg: "the Dropbox token lacks the scope " + cmp.Or(scope, "(unnamed)") +
			" this needs; enable it in the app's Permissions and reconnect with `mcpgate connect add dropbox`", tag: tag}
	}
	why := authProblems[tag]
	if why == "" {
		tag, why = cmp.Or(toolkit.Clip(tag, 60), "unauthorized"), "Dropbox does not accept it"
	}
	return &callError{
		msg:  "Dropbox refused the connection's token (" + tag + ": " + why + "); reconnect it with `mcpgate connect add dropbox`",
		tag:  tag,
		kind: []error{connector.ErrUnauthorized},
	}
}

func rateLimited(h http.Header, body apiError, now time.Time) error {
	wait := "wait a minute before retrying"
	secs, err := strconv.Atoi(strings.TrimSpace(h.Get("Retry-After")))
	if err != nil && body.Error.RetryAfter > 0 {
		secs, err = body.Error.RetryAfter, nil
	}
	if err == nil && secs >= 0 {
		wait = fmt.Sprintf("retry after %d seconds (at %s)", secs, now.Add(time.Duration(secs)*time.Second).UTC().Format(time.RFC3339))
	}
	what := "Dropbox rate limit reached (too many requests)"
	if body.Error.Reason.Tag == "too_many_write_operations" {
		what = "Dropbox is busy with other writes to this account (too_many_write_operations)"
	}
	return &callError{msg: what + "; " + wait, tag: "too_many_requests", kind: []error{ErrRateLimited}}
}

// routeProblems explain the error_summary leaves the tools' routes use.
var routeProblems = map[string]string{
	"not_folder":                "the path is a file, not a folder; read it with read_file",
	"not_file":                  "the path is a folder, not a file; list it with list_folder",
	"malformed_path":            "the path is malformed; use a path such as /Documents/notes.txt",
	"restricted_content":        "Dropbox restricts this content (for example after a copyright claim); it cannot be read or shared",
	"unsupported_file":          "this file cannot be downloaded as is (for example a Dropbox Paper doc or a cloud document)",
	"insufficient_space":        "the Dropbox account is full",
	"disallowed_name":           "Dropbox does not allow this file name",
	"no_write_permission":       "the token may not write here",
	"reset":                     "the cursor has expired; list again without cursor",
	"email_not_verified":        "the Dropbox account's email address is not verified, which sharing requires",
	"access_denied":             "access to this path is forbidden",
	"not_authorized":            "the account may not create shared links with these settings",
	"invalid_settings":          "the shared link settings are not valid",
	"too_many_write_operations": "Dropbox is busy with other writes to this account; try again shortly",
}

func routeError(route, summary string, parts []string) *callError {
	joined := strings.Join(parts, "/")
	ce := &callError{summary: joined}
	if len(parts) > 0 {
		ce.tag = parts[0]
	}
	has := func(leaf string) bool { return strings.Contains("/"+joined+"/", "/"+leaf+"/") }
	switch {
	case has("not_found"):
		ce.msg = route + ": nothing found at that path (paths start with /; list_folder or search show what exists)"
		ce.kind = []error{ErrNotFound}
	case has("conflict") && has("file_ancestor"):
		ce.msg = route + ": a folder on that path is a file; choose a path whose parent folders are folders"
	case has("conflict") && has("folder"):
		ce.msg = route + ": a folder already exists at that path; choose another file name"
	case has("conflict"):
		ce.msg = route + ": a file already exists at that path; pass mode \"overwrite\" to replace it, or autorename true to keep both"
	default:
		for _, p := range parts {
			if why, ok := routeProblems[p]; ok {
				ce.msg = route + ": " + why + " (" + toolkit.Clip(joined, 120) + ")"
				return ce
			}
		}
		ce.msg = "Dropbox refused the call to " + route + ": " + toolkit.Clip(cmp.Or(joined, summary, "no reason given"), 200)
	}
	return ce
}

// plainText quotes a plain-text error body on one line, bounded.
func plainText(raw []byte) string {
	s := strings.Join(strings.Fields(string(raw)), " ")
	if s == "" {
		return "no reason given"
	}
	return toolkit.Clip(s, 300)
}

// Redact implements toolkit.Client. It runs on every result: a file can
// hold the token if someone saved it.
func (c *client) Redact(s string) string {
	out, _ := c.secrets.Redact(s)
	return out
}

// Scrub implements toolkit.Client. Besides the token it removes any bearer
// credential Dropbox quoted back (its 400 for a malformed Authorization
// header does); Dropbox's error tag and summary stay in the chain.
func (c *client) Scrub(err error) error { return c.secrets.Scrub(err) }

var _ toolkit.Client = (*client)(nil)
