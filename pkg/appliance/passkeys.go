package appliance

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"time"

	"github.com/mcpgate/mcpgate/pkg/authserver"
	"github.com/mcpgate/mcpgate/pkg/secret"
	"github.com/mcpgate/mcpgate/pkg/store"
)

// PasskeyLink makes a one-time link that registers a passkey for u: it
// works once, for authserver.EnrolmentTTL, at public_url (so serve must
// run with oauth_server enabled).
func (a *App) PasskeyLink(ctx context.Context, u store.User) (secret.Value, error) {
	if !a.Config.OAuthServer.Enabled || a.Config.PublicURL == "" {
		return secret.Value{}, errors.New("passkeys sign in to mcpgate's authorization server: set oauth_server.enabled and public_url first")
	}
	if u, err := url.Parse(a.Config.PublicURL); err != nil || net.ParseIP(u.Hostname()) != nil {
		return secret.Value{}, errors.New("a passkey is bound to public_url's host, which must be a name (https://mcp.example.com, or http://localhost:PORT to try it out), not an IP address")
	}
	link, err := authserver.NewEnrolment(ctx, a.Store, a.Config.PublicURL, u.ID, time.Now())
	if err != nil {
		return secret.Value{}, fmt.Errorf("add passkey enrolment: %w", err)
	}
	return link, nil
}

// Passkeys lists u's passkeys.
func (a *App) Passkeys(ctx context.Context, u store.User) ([]store.Passkey, error) {
	return a.Store.User(u.ID).Passkeys(ctx)
}

// RemovePasskey deletes u's passkey id and signs out the browsers signed
// in with it.
func (a *App) RemovePasskey(ctx context.Context, u store.User, id string) error {
	err := a.Store.User(u.ID).DeletePasskey(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("user %s has no passkey %q: see `mcpgate user passkey list`", u.Name, id)
	}
	return err
}

// BrowserSessions lists u's browser sessions that have not expired.
func (a *App) BrowserSessions(ctx context.Context, u store.User) ([]store.BrowserSession, error) {
	all, err := a.Store.User(u.ID).BrowserSessions(ctx)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	live := all[:0]
	for _, s := range all {
		if now.Before(s.ExpiresAt) {
			live = append(live, s)
		}
	}
	return live, nil
}

// RevokeSession signs out u's browser session id; the browser is refused
// on its next request.
func (a *App) RevokeSession(ctx context.Context, u store.User, id string) error {
	err := a.Store.User(u.ID).DeleteBrowserSession(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("user %s has no session %q: see `mcpgate user session list`", u.Name, id)
	}
	return err
}

// RevokeSessions signs out all of u's browsers, returning how many.
func (a *App) RevokeSessions(ctx context.Context, u store.User) (int64, error) {
	return a.Store.User(u.ID).DeleteBrowserSessions(ctx)
}
