package appliance

import (
	"context"
	"fmt"
	"net/http"

	"github.com/mcpgate/mcpgate/pkg/connector"
	"github.com/mcpgate/mcpgate/pkg/mcpauth"
	"github.com/mcpgate/mcpgate/pkg/oauth"
	"github.com/mcpgate/mcpgate/pkg/secret"
	"github.com/mcpgate/mcpgate/pkg/store"
)

// MCPAuth is what `connect add mcp` was told about an OAuth server.
type MCPAuth struct {
	// ClientID and ClientSecret are a client registered by hand at the
	// server's authorization server (--client-id, secret from stdin).
	ClientID     string
	ClientSecret secret.Value
	Scopes       []string
	// Redirect is the callback URL: serve's or the --local listener's.
	Redirect string
}

func (a *App) mcpauthOptions() mcpauth.Options {
	return mcpauth.Options{
		HTTP:              connector.NewHTTPClient(a.Config.Limits.UpstreamTimeout),
		Timeout:           a.Config.Limits.UpstreamTimeout,
		AllowLoopbackHTTP: a.Config.UpstreamOAuth.AllowHTTPLoopback,
	}
}

// ProbeMCP asks the MCP server at url to initialize without a token: ok is
// true when it answers 401, with the challenge to discover its OAuth from.
func (a *App) ProbeMCP(ctx context.Context, url string) (ch mcpauth.Challenge, ok bool, err error) {
	return mcpauth.Probe(ctx, url, a.mcpauthOptions())
}

// DiscoverMCP finds the authorization server of the MCP server at url
// from its 401 challenge (zero: from the well-known URLs alone).
func (a *App) DiscoverMCP(ctx context.Context, url string, ch mcpauth.Challenge) (*mcpauth.Server, error) {
	return mcpauth.Discover(ctx, url, ch, a.mcpauthOptions())
}

// BeginMCPOAuth registers mcpgate with the authorization server of the MCP
// server s (see DiscoverMCP) and starts the authorization of connection
// name for u.
func (a *App) BeginMCPOAuth(ctx context.Context, u store.User, name string, s *mcpauth.Server, o MCPAuth) (oauth.Pending, error) {
	if err := ValidName("connection", name); err != nil {
		return oauth.Pending{}, err
	}
	if c, err := a.Store.User(u.ID).Connection(ctx, name); err == nil && c.Provider != oauth.ProviderMCP {
		return oauth.Pending{}, fmt.Errorf("connection %q is a %s connection; choose another --name", name, c.Provider)
	}
	opts := a.mcpauthOptions()
	ro := mcpauth.RegisterOptions{RedirectURL: o.Redirect, ClientID: o.ClientID, ClientSecret: o.ClientSecret, Scopes: o.Scopes}
	if md, ok := mcpauth.MetadataFor(a.Config.PublicURL, oauth.CallbackPath); ok {
		ro.MetadataURL, ro.MetadataRedirects = md.ClientID, md.RedirectURIs
	}
	client, err := mcpauth.Register(ctx, s, ro, opts)
	if err != nil {
		return oauth.Pending{}, err
	}
	flow, _ := a.OAuth()
	return flow.BeginMCP(ctx, u, name, s, client, o.Scopes, o.Redirect)
}

// ClientMetadataRoute is serve's route for mcpgate's client ID metadata
// document, when public_url is https (else none: ok is false).
func (a *App) ClientMetadataRoute() (path string, h http.Handler, ok bool) {
	md, ok := mcpauth.MetadataFor(a.Config.PublicURL, oauth.CallbackPath)
	if !ok {
		return "", nil, false
	}
	return mcpauth.ClientMetadataPath, md.Handler(), true
}
