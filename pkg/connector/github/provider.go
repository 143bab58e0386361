package github

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/mcpgate/mcpgate/pkg/connector"
	"github.com/mcpgate/mcpgate/pkg/connector/toolkit"
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

// call is a tool body: it gets a ready client and the raw arguments.
type call func(ctx context.Context, c *client, args json.RawMessage) (string, error)

// run adapts a call to connector.Tool.Call; toolkit.Run scrubs and
// bounds what it returns.
func run(fn call) func(context.Context, connector.Upstream, json.RawMessage) (string, error) {
	return toolkit.Run(newClient, fn)
}

// tools is built once; connector.Provider says callers must not modify it.
var tools = []connector.Tool{
	listReposTool, getRepoTool, getFileTool,
	listIssuesTool, getIssueTool, createIssueTool, commentIssueTool,
	listPullsTool, getPullTool,
	searchIssuesTool, searchCodeTool,
}

var _ connector.Provider = Provider{}
