package google

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/mcpgate/mcpgate/pkg/connector"
	"github.com/mcpgate/mcpgate/pkg/connector/toolkit"
)

// Google's OAuth 2.0 endpoints for web-server applications.
const (
	AuthURL   = "https://accounts.google.com/o/oauth2/v2/auth"
	TokenURL  = "https://oauth2.googleapis.com/token"
	RevokeURL = "https://oauth2.googleapis.com/revoke"
)

// The scopes the tools use. Gmail's are "restricted" scopes: a self-hoster's
// OAuth app in testing mode may use them for its own test users.
const (
	ScopeGmailReadonly = "https://www.googleapis.com/auth/gmail.readonly"
	ScopeGmailCompose  = "https://www.googleapis.com/auth/gmail.compose"
	ScopeGmailSend     = "https://www.googleapis.com/auth/gmail.send"
	ScopeGmailModify   = "https://www.googleapis.com/auth/gmail.modify"
	ScopeMailFull      = "https://mail.google.com/"
	ScopeDriveReadonly = "https://www.googleapis.com/auth/drive.readonly"
	ScopeDriveFile     = "https://www.googleapis.com/auth/drive.file"
	ScopeDrive         = "https://www.googleapis.com/auth/drive"
)

// DefaultScopes are asked for when `connect add google` is given none. They
// are the least that covers every tool: gmail.readonly to search and read,
// gmail.compose to write drafts and send (it includes sending), and no
// gmail.modify, which would also let a model relabel, archive and trash
// mail. drive.readonly reads every file; drive.file lets the connection
// create files (and change only those it created). "openid email" name the
// account on the consent screen. Callers must not modify the slice.
var DefaultScopes = []string{
	"openid", "email",
	ScopeGmailReadonly, ScopeGmailCompose,
	ScopeDriveReadonly, ScopeDriveFile,
}

// AuthParams are added to the authorization URL: access_type=offline makes
// Google issue a refresh token, and prompt=consent makes it issue one again
// when the account already approved the app once (Google only sends a
// refresh token with a consent). Callers must not modify the map.
var AuthParams = map[string]string{"access_type": "offline", "prompt": "consent"}

// OAuth implements connector.OAuthProvider. It returns copies, so a caller
// cannot change the package's defaults.
func (Provider) OAuth() connector.OAuthEndpoints {
	return connector.OAuthEndpoints{
		AuthURL:    AuthURL,
		TokenURL:   TokenURL,
		RevokeURL:  RevokeURL,
		Scopes:     slices.Clone(DefaultScopes),
		AuthParams: maps.Clone(AuthParams),
	}
}

// Revoke implements connector.Revoker: it ends the grant at Google.
// Revoking either the access or the refresh token revokes both; a token
// Google already considers expired or revoked counts as done. The client is
// not needed, only its RevokeURL (connectors.google.revoke_url): Google's
// revocation endpoint takes the token alone.
func (p Provider) Revoke(ctx context.Context, up connector.Upstream, client connector.OAuthClient) error {
	tok := revocableToken(up.Credential.Reveal())
	if tok == "" {
		return errors.New("the Google connection has no token to revoke")
	}
	endpoint := client.RevokeURL
	if endpoint == "" {
		endpoint = RevokeURL
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(url.Values{"token": {tok}}.Encode()))
	if err != nil {
		return errors.New("build revoke request: the revocation URL is not valid")
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := toolkit.HTTPClient(up.HTTP).Do(req)
	if err != nil {
		return scrubbed(transportError(ctx, "Google's token revocation endpoint", err), tok)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode == http.StatusOK {
		return nil
	}
	var body struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
	_ = json.Unmarshal(raw, &body)
	if body.Error == "invalid_token" {
		return nil // already expired or revoked: the grant is gone either way
	}
	msg := "Google did not revoke the token (HTTP " + strconv.Itoa(resp.StatusCode)
	if body.Error != "" {
		msg += ": " + body.Error
		if body.Description != "" {
			msg += ", " + body.Description
		}
	}
	msg += "); remove the app's access at https://myaccount.google.com/permissions"
	return scrubbed(&callError{msg: msg}, tok)
}

// revocableToken prefers the refresh token of a stored token set, since
// revoking it ends the grant for good, and else takes the access token.
func revocableToken(cred string) string {
	cred = strings.TrimSpace(cred)
	if strings.HasPrefix(cred, "{") {
		var set struct {
			AccessToken  string `json:"access_token"`
			RefreshToken string `json:"refresh_token"`
		}
		if json.Unmarshal([]byte(cred), &set) == nil {
			if set.RefreshToken != "" {
				return strings.TrimSpace(set.RefreshToken)
			}
			return strings.TrimSpace(set.AccessToken)
		}
	}
	return cred
}

var (
	_ connector.OAuthProvider = Provider{}
	_ connector.Revoker       = Provider{}
)
