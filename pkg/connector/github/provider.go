package github

import (
	"context"
	"errors"

	"github.com/mcpgate/mcpgate/pkg/connector"
)

func init() { connector.Register(Provider{}) }

// Provider is the GitHub connector.
type Provider struct{}

// Name implements connector.Provider.
func (Provider) Name() string { return "github" }

// AuthKinds implements connector.Provider: a personal access token or an
// OAuth app / GitHub App user token, both sent as a bearer token.
func (Provider) AuthKinds() []string { return []string{connector.AuthAPIKey, connector.AuthOAuth2} }

// DefaultAPIURL implements connector.Provider.
func (Provider) DefaultAPIURL() string { return DefaultAPIURL }

// Tools implements connector.Provider.
func (Provider) Tools() []connector.Tool { return tools }

// Identify implements connector.Provider: it returns the login of the
// token's user.
func (Provider) Identify(ctx context.Context, up connector.Upstream) (string, error) {
	c, err := newClient(up)
	if err != nil {
		return "", err
	}
	var u user
	if _, err := c.get(ctx, "/user", nil, &u); err != nil {
		return "", c.Scrub(err)
	}
	if u.Login == "" {
		return "", errors.New("unexpected response from GitHub: /user has no login; check connectors.github.api_url")
	}
	return c.Redact(u.Login), nil
}

// tools is built once; connector.Provider says callers must not modify it.
var tools = []connector.Tool{
	listReposTool, getRepoTool, getFileTool,
	listIssuesTool, getIssueTool, createIssueTool, commentIssueTool,
	listPullsTool, getPullTool,
	searchIssuesTool, searchCodeTool,
}

var _ connector.Provider = Provider{}
