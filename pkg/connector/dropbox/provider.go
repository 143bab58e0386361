package dropbox

import (
	"cmp"
	"context"
	"errors"
	"maps"
	"slices"

	"github.com/mcpgate/mcpgate/pkg/connector"
)

// Dropbox's default endpoints. The API base and the OAuth URLs may be
// overridden in config (connectors.dropbox.api_url, auth_url, token_url).
const (
	// DefaultAPIURL is the RPC base; routes are <base>/<route>.
	DefaultAPIURL = "https://api.dropboxapi.com/2"
	// DefaultContentURL is the content base for files/download and
	// files/upload; see ContentURL.
	DefaultContentURL = "https://content.dropboxapi.com/2"
	// AuthURL is the consent page; see AuthParams.
	AuthURL = "https://www.dropbox.com/oauth2/authorize"
	// TokenURL exchanges a code (with the PKCE code_verifier) or a refresh
	// token; errors are RFC 6749 documents such as
	// {"error":"invalid_grant","error_description":"..."}.
	TokenURL = "https://api.dropboxapi.com/oauth2/token"
	// RevokeURL is auth/token/revoke on the default API base.
	RevokeURL = "https://api.dropboxapi.com/2/auth/token/revoke"
)

// DefaultScopes are what the tools need, space-separated in the request.
// sharing.read is for sharing/list_shared_links, which create_shared_link
// asks when the link already exists.
var DefaultScopes = []string{
	"account_info.read", "files.metadata.read", "files.content.read",
	"files.content.write", "sharing.read", "sharing.write",
}

// AuthParams go on the authorization URL: token_access_type=offline makes
// Dropbox issue a refresh token with the short-lived access token.
var AuthParams = map[string]string{"token_access_type": "offline"}

func init() { connector.Register(Provider{}) }

// Provider is the Dropbox connector.
type Provider struct{}

// Name implements connector.Provider.
func (Provider) Name() string { return "dropbox" }

// AuthKinds implements connector.Provider: OAuth (with PKCE and a refresh
// token), or an access token generated in the app console.
func (Provider) AuthKinds() []string { return []string{connector.AuthOAuth2, connector.AuthAPIKey} }

// DefaultAPIURL implements connector.Provider.
func (Provider) DefaultAPIURL() string { return DefaultAPIURL }

// Tools implements connector.Provider.
func (Provider) Tools() []connector.Tool { return tools }

// OAuth implements connector.OAuthProvider.
func (Provider) OAuth() connector.OAuthEndpoints {
	return connector.OAuthEndpoints{
		AuthURL:    AuthURL,
		TokenURL:   TokenURL,
		Scopes:     slices.Clone(DefaultScopes),
		AuthParams: maps.Clone(AuthParams),
	}
}

// Identify implements connector.Provider with users/get_current_account:
// it returns the account's email address.
func (Provider) Identify(ctx context.Context, up connector.Upstream) (string, error) {
	c, err := newClient(up)
	if err != nil {
		return "", err
	}
	var a account
	if err := c.rpc(ctx, "users/get_current_account", nil, &a); err != nil {
		return "", c.Scrub(err)
	}
	if who := cmp.Or(a.Email, a.Name.DisplayName, a.AccountID); who != "" {
		return c.Redact(who), nil
	}
	return "", errors.New("unexpected response from Dropbox: the account has no email; check connectors.dropbox.api_url")
}

// Revoke implements connector.Revoker with auth/token/revoke, which ends
// the grant the access token belongs to. A token Dropbox already refuses
// as invalid counts as revoked; an expired one does not (the refresh token
// may still be live), so that error is ErrUnauthorized: refresh and retry.
func (Provider) Revoke(ctx context.Context, up connector.Upstream, _ connector.OAuthClient) error {
	c, err := newClient(up)
	if err != nil {
		return err
	}
	err = c.rpc(ctx, "auth/token/revoke", nil, nil)
	var ce *callError
	if errors.As(err, &ce) && ce.tag == "invalid_access_token" {
		return nil
	}
	return c.Scrub(err)
}

// tools is built once; connector.Provider says callers must not modify it.
var tools = []connector.Tool{
	listFolderTool, searchTool, readFileTool, uploadTextTool, createSharedLinkTool,
}

var (
	_ connector.Provider      = Provider{}
	_ connector.OAuthProvider = Provider{}
	_ connector.Revoker       = Provider{}
)
