package slack

import (
	"context"
	"errors"
	"slices"

	"github.com/mcpgate/mcpgate/pkg/connector"
)

// Slack's default endpoints. Each may be overridden in config
// (connectors.slack.api_url, auth_url, token_url).
const (
	// DefaultAPIURL is the Web API base; methods are <base>/<method>.
	DefaultAPIURL = "https://slack.com/api"
	// AuthURL is the OAuth v2 authorization page.
	AuthURL = "https://slack.com/oauth/v2/authorize"
	// TokenURL exchanges a code (or, with token rotation, a refresh token).
	// Slack answers it with HTTP 200 and {"ok":false,"error":...} on
	// failure, not the RFC 6749 error document.
	TokenURL = "https://slack.com/api/oauth.v2.access"
	// RevokeURL is auth.revoke on the default API base.
	RevokeURL = "https://slack.com/api/auth.revoke"
	// ScopeSeparator joins scopes in the authorization URL: Slack wants
	// a comma-separated list.
	ScopeSeparator = ","
)

// DefaultScopes are the bot scopes the tools need: reading public and
// private channels, posting, and reading users with their email.
var DefaultScopes = []string{
	"channels:read", "channels:history", "groups:read", "groups:history",
	"chat:write", "users:read", "users:read.email",
}

func init() { connector.Register(Provider{}) }

// Provider is the Slack connector.
type Provider struct{}

// Name implements connector.Provider.
func (Provider) Name() string { return "slack" }

// AuthKinds implements connector.Provider: a bot or user token pasted as an
// API key, or one obtained through OAuth v2.
func (Provider) AuthKinds() []string { return []string{connector.AuthAPIKey, connector.AuthOAuth2} }

// DefaultAPIURL implements connector.Provider.
func (Provider) DefaultAPIURL() string { return DefaultAPIURL }

// Tools implements connector.Provider.
func (Provider) Tools() []connector.Tool { return tools }

// OAuth implements connector.OAuthProvider.
func (Provider) OAuth() connector.OAuthEndpoints {
	return connector.OAuthEndpoints{
		AuthURL:        AuthURL,
		TokenURL:       TokenURL,
		Scopes:         slices.Clone(DefaultScopes),
		ScopeSeparator: ScopeSeparator,
	}
}

// Identify implements connector.Provider with auth.test: it returns
// "user@team", or the team name when the token names no user.
func (Provider) Identify(ctx context.Context, up connector.Upstream) (string, error) {
	c, err := newClient(up)
	if err != nil {
		return "", err
	}
	var who authTest
	if err := c.call(ctx, "auth.test", nil, &who); err != nil {
		return "", c.Scrub(err)
	}
	switch {
	case who.User != "" && who.Team != "":
		return c.Redact(who.User + "@" + who.Team), nil
	case who.Team != "":
		return c.Redact(who.Team), nil
	case who.User != "":
		return c.Redact(who.User), nil
	}
	return "", errors.New("unexpected response from Slack: auth.test names no user or team; check connectors.slack.api_url")
}

// Revoke implements connector.Revoker with auth.revoke, which ends the
// token it is called with. A token Slack already refuses (revoked, or
// never valid) counts as revoked; an expired rotating token does not,
// since its refresh token may still be live.
func (Provider) Revoke(ctx context.Context, up connector.Upstream, _ connector.OAuthClient) error {
	c, err := newClient(up)
	if err != nil {
		return err
	}
	var out struct {
		Revoked bool `json:"revoked"`
	}
	err = c.call(ctx, "auth.revoke", nil, &out)
	var ae *callError
	if errors.As(err, &ae) && (ae.code == "invalid_auth" || ae.code == "token_revoked" || ae.code == "account_inactive") {
		return nil
	}
	if err != nil {
		return c.Scrub(err)
	}
	if !out.Revoked {
		return errors.New("Slack did not confirm the revocation (auth.revoke answered revoked=false)")
	}
	return nil
}

// tools is built once; connector.Provider says callers must not modify it.
var tools = []connector.Tool{
	listChannelsTool, channelHistoryTool, threadRepliesTool,
	postMessageTool, replyInThreadTool,
	listUsersTool, getUserTool,
}

var (
	_ connector.Provider      = Provider{}
	_ connector.OAuthProvider = Provider{}
	_ connector.Revoker       = Provider{}
)
