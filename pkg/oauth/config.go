package oauth

import (
	"errors"
	"fmt"
	"strings"

	"golang.org/x/oauth2"

	"github.com/mcpgate/mcpgate/pkg/config"
	"github.com/mcpgate/mcpgate/pkg/connector"
	"github.com/mcpgate/mcpgate/pkg/safefile"
)

// ErrNotOAuth means the provider does not connect through OAuth.
var ErrNotOAuth = errors.New("this provider does not connect through OAuth")

// clientConfig builds the oauth2 configuration for provider from the
// self-hoster's settings: client id and secret, and endpoint overrides.
func clientConfig(cfg *config.Config, provider string, redirect string, scopes []string) (*oauth2.Config, connector.OAuthProvider, error) {
	p, err := connector.Lookup(provider)
	if err != nil {
		return nil, nil, err
	}
	op, ok := p.(connector.OAuthProvider)
	if !ok {
		return nil, nil, fmt.Errorf("%s: %w; use --token-stdin", provider, ErrNotOAuth)
	}
	ep := op.OAuth()
	c := cfg.Connectors[provider]
	if c.ClientID == "" {
		return nil, nil, fmt.Errorf("connectors.%s.client_id is not set: register an OAuth app with %s and set its client id and secret (see the README)", provider, provider)
	}
	secret, err := clientSecret(provider, c)
	if err != nil {
		return nil, nil, err
	}
	if c.AuthURL != "" {
		ep.AuthURL = c.AuthURL
	}
	if c.TokenURL != "" {
		ep.TokenURL = c.TokenURL
	}
	if len(scopes) == 0 {
		scopes = ep.Scopes
	}
	return &oauth2.Config{
		ClientID:     c.ClientID,
		ClientSecret: secret,
		Endpoint:     oauth2.Endpoint{AuthURL: ep.AuthURL, TokenURL: ep.TokenURL},
		RedirectURL:  redirect,
		Scopes:       scopes,
	}, op, nil
}

// clientSecret reads the client secret from its file when one is named,
// so that it need not sit in the config file.
func clientSecret(provider string, c config.Connector) (string, error) {
	if c.ClientSecretFile == "" {
		return c.ClientSecret, nil
	}
	b, _, err := safefile.Read(c.ClientSecretFile, 64<<10, safefile.FollowSymlinks)
	if err != nil {
		return "", fmt.Errorf("connectors.%s.client_secret_file: %w", provider, err)
	}
	return strings.TrimSpace(string(b)), nil
}

// Client returns the provider's OAuth client as configured (for
// revocation), with its revocation endpoint: connectors.<p>.revoke_url,
// else the provider's own.
func Client(cfg *config.Config, provider string) (connector.OAuthClient, error) {
	c := cfg.Connectors[provider]
	secret, err := clientSecret(provider, c)
	client := connector.OAuthClient{ID: c.ClientID, Secret: secret, RevokeURL: c.RevokeURL}
	if client.RevokeURL == "" {
		if p, lerr := connector.Lookup(provider); lerr == nil {
			if op, ok := p.(connector.OAuthProvider); ok {
				client.RevokeURL = op.OAuth().RevokeURL
			}
		}
	}
	return client, err
}
