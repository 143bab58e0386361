package slack

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strconv"

	"github.com/mcpgate/mcpgate/pkg/connector/toolkit"
)

// TokenTransport adapts Slack's token endpoint (oauth.v2.access) to what a
// standard OAuth 2 client such as golang.org/x/oauth2 expects, for use in
// the HTTP client of code exchanges and refreshes:
//
//   - Slack answers failures with HTTP 200 and {"ok":false,"error":code}.
//     golang.org/x/oauth2 reports the code as RetrieveError.ErrorCode, but
//     Slack's codes are its own: a dead refresh token is
//     invalid_refresh_token, not invalid_grant, so a check for invalid_grant
//     misses it. These answers become HTTP 400 RFC 6749 error documents:
//     invalid_code, invalid_refresh_token, bad_redirect_uri and
//     invalid_code_verifier become invalid_grant (Slack's code goes in
//     error_description), invalid_client_id and bad_client_secret become
//     invalid_client, invalid_grant_type becomes unsupported_grant_type.
//   - An install that asked only for user scopes has no top-level
//     access_token; authed_user's token, refresh token, expiry and scope
//     are lifted to the top level.
//
// Other answers pass unchanged. Base nil means http.DefaultTransport.
type TokenTransport struct {
	Base http.RoundTripper
}

// maxTokenBody bounds what the transport reads of a token answer.
const maxTokenBody = 1 << 20

// RoundTrip implements http.RoundTripper.
func (t TokenTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	base := t.Base
	if base == nil {
		base = http.DefaultTransport
	}
	resp, err := base.RoundTrip(req)
	if err != nil || resp.StatusCode != http.StatusOK {
		return resp, err
	}
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxTokenBody))
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	body := raw
	var v map[string]json.RawMessage
	if json.Unmarshal(raw, &v) == nil && v["ok"] != nil {
		switch {
		case string(v["ok"]) == "false":
			resp.StatusCode, resp.Status = http.StatusBadRequest, "400 Bad Request"
			body = oauthError(v["error"])
		case v["access_token"] == nil && v["authed_user"] != nil:
			body = liftUserToken(v, raw)
		}
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.ContentLength = int64(len(body))
	resp.Header.Set("Content-Length", strconv.Itoa(len(body)))
	resp.Header.Set("Content-Type", "application/json")
	return resp, nil
}

var grantErrors = map[string]string{
	"invalid_code":          "invalid_grant",
	"invalid_refresh_token": "invalid_grant",
	"bad_redirect_uri":      "invalid_grant",
	"invalid_code_verifier": "invalid_grant",
	"invalid_client_id":     "invalid_client",
	"bad_client_secret":     "invalid_client",
	"invalid_grant_type":    "unsupported_grant_type",
}

func oauthError(codeJSON json.RawMessage) []byte {
	var code string
	_ = json.Unmarshal(codeJSON, &code)
	std := grantErrors[code]
	if std == "" {
		std = "invalid_request"
	}
	b, _ := json.Marshal(map[string]string{"error": std, "error_description": "Slack: " + toolkit.Clip(code, 80)})
	return b
}

func liftUserToken(v map[string]json.RawMessage, raw []byte) []byte {
	var user map[string]json.RawMessage
	if json.Unmarshal(v["authed_user"], &user) != nil || user["access_token"] == nil {
		return raw
	}
	for _, k := range []string{"access_token", "token_type", "scope", "refresh_token", "expires_in"} {
		if user[k] != nil {
			v[k] = user[k]
		}
	}
	b, err := json.Marshal(v)
	if err != nil {
		return raw
	}
	return b
}
