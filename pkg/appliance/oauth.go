package appliance

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/mcpgate/mcpgate/pkg/connector"
	"github.com/mcpgate/mcpgate/pkg/mcpup"
	"github.com/mcpgate/mcpgate/pkg/oauth"
	"github.com/mcpgate/mcpgate/pkg/secret"
	"github.com/mcpgate/mcpgate/pkg/store"
	"github.com/mcpgate/mcpgate/pkg/vault"
)

// OAuth returns the authorization flow and token refresher of this
// appliance.
func (a *App) OAuth() (*oauth.Flow, *oauth.Tokens) {
	if a.flow == nil {
		a.flow = &oauth.Flow{Config: a.Config, Store: a.Store, Vault: a.Vault, HTTP: connector.NewHTTPClient(a.Config.Limits.UpstreamTimeout),
			MCPSettings: func(url string) string { return mcpup.Config{URL: url}.Encode() }}
		a.tokens = &oauth.Tokens{Flow: a.flow}
	}
	return a.flow, a.tokens
}

// UsesOAuth reports whether `connect add provider` without a token runs
// the OAuth flow: the provider supports it and either takes no pasted
// token or has an OAuth client configured.
func (a *App) UsesOAuth(provider string) bool {
	p, err := connector.Lookup(provider)
	if err != nil {
		return false
	}
	if _, ok := p.(connector.OAuthProvider); !ok || !slices.Contains(p.AuthKinds(), connector.AuthOAuth2) {
		return false
	}
	return !slices.Contains(p.AuthKinds(), connector.AuthAPIKey) || a.Config.Connectors[provider].ClientID != ""
}

// BeginOAuth starts an authorization; the callback must reach redirect.
func (a *App) BeginOAuth(ctx context.Context, u store.User, provider, name string, scopes []string, redirect string) (oauth.Pending, error) {
	if name == "" {
		name = provider
	}
	if err := ValidName("connection", name); err != nil {
		return oauth.Pending{}, err
	}
	if c, err := a.Store.User(u.ID).Connection(ctx, name); err == nil && c.Provider != provider {
		return oauth.Pending{}, fmt.Errorf("connection %q is a %s connection; choose another --name", name, c.Provider)
	}
	flow, _ := a.OAuth()
	return flow.Begin(ctx, u, provider, name, scopes, redirect)
}

// CallbackURL is where the provider sends the browser back: the public
// URL's /oauth/callback.
func (a *App) CallbackURL() (string, error) {
	if a.Config.PublicURL == "" {
		return "", errors.New("public_url is not set, so the provider cannot reach `mcpgate serve`: set public_url (e.g. https://mcp.example.com), or use --local on a machine with a browser")
	}
	return strings.TrimRight(a.Config.PublicURL, "/") + oauth.CallbackPath, nil
}

// accessToken opens c's credential and returns what a call sends: the
// token itself, or a fresh OAuth access token.
func (a *App) accessToken(ctx context.Context, c store.Connection) (secret.Value, error) {
	cred, err := a.Vault.Open(ctx, c.UserID, vault.PurposeCredential, c.ID, c.Credential)
	if err != nil {
		return secret.Value{}, fmt.Errorf("open credential: %w", err)
	}
	_, tokens := a.OAuth()
	return tokens.ForCall(ctx, c, cred, false)
}
