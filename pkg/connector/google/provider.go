package google

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"strings"

	"github.com/mcpgate/mcpgate/pkg/connector"
	"github.com/mcpgate/mcpgate/pkg/connector/toolkit"
)

func init() { connector.Register(Provider{}) }

// Provider is the Google connector (Gmail and Drive).
type Provider struct{}

// Name implements connector.Provider.
func (Provider) Name() string { return "google" }

// AuthKinds implements connector.Provider: Google's APIs take OAuth access
// tokens only, and those expire within the hour, so only the OAuth flow
// (which refreshes them) makes a lasting connection.
func (Provider) AuthKinds() []string { return []string{connector.AuthOAuth2} }

// DefaultAPIURL implements connector.Provider.
func (Provider) DefaultAPIURL() string { return DefaultAPIURL }

// Tools implements connector.Provider.
func (Provider) Tools() []connector.Tool { return tools }

// Identify implements connector.Provider: it returns the account's email
// address from the Gmail profile, or from Drive's about resource when the
// connection has no Gmail scope (or the Gmail API is not enabled).
func (Provider) Identify(ctx context.Context, up connector.Upstream) (string, error) {
	c, err := newClient(up, needIdentity)
	if err != nil {
		return "", err
	}
	var profile gmailProfile
	err = c.getJSON(ctx, "/gmail/v1/users/me/profile", nil, &profile)
	if err == nil && profile.EmailAddress != "" {
		return c.Redact(profile.EmailAddress), nil
	}
	if err != nil && fatalForIdentify(err) {
		return "", c.Scrub(err)
	}
	var about driveAbout
	if derr := c.getJSON(ctx, "/drive/v3/about", url.Values{"fields": {"user(displayName,emailAddress)"}}, &about); derr != nil {
		if err != nil && !errors.Is(err, ErrInsufficientScope) {
			derr = err // Gmail's own failure says more than Drive's missing scope
		}
		return "", c.Scrub(derr)
	}
	account := strings.TrimSpace(about.User.EmailAddress)
	if account == "" {
		account = strings.TrimSpace(about.User.DisplayName)
	}
	if account == "" {
		return "", errors.New("unexpected response from Google: neither the Gmail profile nor Drive's about resource names the account; check connectors.google.api_url")
	}
	return c.Redact(account), nil
}

// fatalForIdentify tells errors that Drive would repeat (a refused token,
// a timeout, a rate limit) from those that only say the connection has no
// usable Gmail (no Gmail scope, the Gmail API not enabled, no mailbox).
func fatalForIdentify(err error) bool {
	for _, k := range []error{connector.ErrUnauthorized, ErrTimeout, ErrRateLimited, context.Canceled} {
		if errors.Is(err, k) {
			return true
		}
	}
	return false
}

// prepare builds a tool's Prepare from its argument struct and body with
// toolkit.Prepare. need names the scope the tool requires.
func prepare[A any, PA interface {
	*A
	toolkit.Normaliser
}](need string, body func(context.Context, *client, A) (string, error)) func(json.RawMessage) (connector.Prepared, error) {
	open := func(up connector.Upstream) (*client, error) { return newClient(up, need) }
	return toolkit.Prepare[*client, A, PA](open, body)
}

// tools is built once; connector.Provider says callers must not modify it.
var tools = []connector.Tool{
	gmailSearchTool, gmailReadTool, gmailListLabelsTool, gmailCreateDraftTool, gmailSendTool,
	driveSearchTool, driveGetTool, driveReadTool, driveCreateTextTool,
}

var _ connector.Provider = Provider{}
