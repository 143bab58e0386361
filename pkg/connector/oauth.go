package connector

import (
	"context"
	"net/http"
)

// OAuthEndpoints are a provider's OAuth 2.0 authorization-code endpoints
// and what to ask for. Each URL may be overridden in config
// (connectors.<provider>.auth_url / token_url), which tests use.
type OAuthEndpoints struct {
	AuthURL  string
	TokenURL string
	// RevokeURL is the token revocation endpoint of a provider that has
	// one apart from its API (Google); "" for providers that revoke
	// through their API (api_url). connectors.<provider>.revoke_url
	// overrides it.
	RevokeURL string
	// Scopes are asked for when `connect add` is given none.
	Scopes []string
	// AuthParams are extra authorization-request parameters, such as
	// Google's access_type=offline or Dropbox's token_access_type=offline,
	// which make the provider issue a refresh token.
	AuthParams map[string]string
	// ScopeSeparator joins scopes in the request; default " ".
	ScopeSeparator string
}

// OAuthClient is the self-hoster's registered OAuth application.
type OAuthClient struct {
	ID     string
	Secret string
	// RevokeURL is where a Revoker with a revocation endpoint of its own
	// sends the token: connectors.<provider>.revoke_url, else the
	// provider's OAuthEndpoints.RevokeURL.
	RevokeURL string
}

// OAuthProvider is a Provider that connects through the OAuth flow.
type OAuthProvider interface {
	Provider
	OAuth() OAuthEndpoints
}

// Revoker is a Provider that can revoke a token at the upstream, so that
// removing a connection also ends the grant. up.Credential is the access
// token; client.RevokeURL is set for providers with a revocation endpoint.
type Revoker interface {
	Revoke(ctx context.Context, up Upstream, client OAuthClient) error
}

// TokenTransporter is an OAuthProvider whose token endpoint answers in a
// way a standard OAuth 2 client needs adapting to (Slack's HTTP 200
// errors); the flow sends exchanges and refreshes through the transport
// it returns.
type TokenTransporter interface {
	TokenTransport(base http.RoundTripper) http.RoundTripper
}
