package toolkit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// fallbackHTTP is used only when the gateway hands over no client; it still
// has a timeout, unlike http.DefaultClient.
var fallbackHTTP = &http.Client{Timeout: 30 * time.Second}

// HTTPClient returns hc, or a client with a 30-second timeout when hc is
// nil, so that no connector ever waits forever on an upstream.
func HTTPClient(hc *http.Client) *http.Client {
	if hc == nil {
		return fallbackHTTP
	}
	return hc
}

// APIBase checks an API base URL (def when raw is blank) and returns it
// without query, fragment or trailing slash, ready for paths to be
// appended. ok is false when it is not an absolute http(s) URL; the caller
// then names its own setting in the error.
func APIBase(raw, def string) (base string, ok bool) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		raw = def
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return "", false
	}
	u.RawQuery, u.Fragment = "", ""
	return strings.TrimRight(u.String(), "/"), true
}

// AccessToken accepts either a bare token (an API key, or an OAuth access
// token alone) or an OAuth token set stored as JSON, since the credential's
// shape depends on how the connection was made.
func AccessToken(cred string) string {
	cred = strings.TrimSpace(cred)
	if strings.HasPrefix(cred, "{") {
		var set struct {
			AccessToken string `json:"access_token"`
		}
		if json.Unmarshal([]byte(cred), &set) == nil {
			return strings.TrimSpace(set.AccessToken)
		}
	}
	return cred
}

// TransportFailure explains a request that got no HTTP answer: canceled by
// the caller, timed out, or not delivered. api names the upstream in the
// message ("GitHub"), setting is the config key to check
// ("connectors.github.api_url"), and errTimeout is the connector's sentinel
// for a timeout. It returns the message and the sentinels the caller's
// error must match; the message never holds the request URL, whose query
// can carry what the model asked for.
func TransportFailure(ctx context.Context, err error, api, setting string, errTimeout error) (msg string, kinds []error) {
	if errors.Is(ctx.Err(), context.Canceled) {
		return "the call to " + api + " was canceled", []error{context.Canceled}
	}
	var ne net.Error
	if errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()) {
		return api + " did not answer in time (timeout); try again later or ask for less",
			[]error{errTimeout, context.DeadlineExceeded}
	}
	// The url.Error text repeats the method and URL; the cause alone says
	// what broke (refused connection, DNS, TLS).
	var ue interface{ Unwrap() error }
	if errors.As(err, &ue) && ue.Unwrap() != nil {
		err = ue.Unwrap()
	}
	return "cannot reach " + api + ": " + err.Error() + "; check " + setting + " and the network", nil
}

// UnexpectedResponse says that an answer was not what the API sends,
// which mostly means the base URL points elsewhere (a proxy's login page,
// another host); hint says what to check.
func UnexpectedResponse(api string, status int, contentType, hint string) string {
	if contentType == "" {
		contentType = "none"
	}
	return fmt.Sprintf("unexpected response from %s (HTTP %d, content type %s): %s", api, status, contentType, hint)
}
