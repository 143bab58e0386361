package appliance

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/mcpgate/mcpgate/pkg/authserver"
	"github.com/mcpgate/mcpgate/pkg/secret"
	"github.com/mcpgate/mcpgate/pkg/store"
)

// ApproveOAuth approves, for u, the sign-in whose page shows code.
func (a *App) ApproveOAuth(ctx context.Context, u store.User, code string) (client, resource string, err error) {
	client, resource, err = authserver.Approve(ctx, a.Store, code, u.ID, time.Now())
	if errors.Is(err, store.ErrNotFound) {
		return "", "", errors.New("no sign-in is waiting with that code (it works once, for ten minutes): start again from the application")
	}
	if err != nil {
		return "", "", fmt.Errorf("approve sign-in: %w", err)
	}
	return client, resource, nil
}

// AddOAuthClient registers a client for the applications that take a typed
// client id and secret. The secret is returned once; only its hash is kept.
func (a *App) AddOAuthClient(ctx context.Context, name string, redirectURIs []string) (store.OAuthClient, secret.Value, error) {
	if name == "" || len(redirectURIs) == 0 {
		return store.OAuthClient{}, secret.Value{}, errors.New("a client needs --name and at least one --redirect-uri")
	}
	for _, u := range redirectURIs {
		if err := authserver.CheckRedirectURI(u); err != nil {
			return store.OAuthClient{}, secret.Value{}, fmt.Errorf("--redirect-uri %q: %w", u, err)
		}
	}
	var idb, sb [32]byte
	_, _ = rand.Read(idb[:])
	_, _ = rand.Read(sb[:])
	c := store.OAuthClient{
		ID: "mgo_c_" + base64.RawURLEncoding.EncodeToString(idb[:16]), Name: name, Kind: authserver.KindRegistered,
		RedirectURIs: redirectURIs, CreatedAt: time.Now(),
	}
	sec := "mgo_cs_" + base64.RawURLEncoding.EncodeToString(sb[:])
	c.SecretHash = authserver.HashSecret(sec)
	if err := a.Store.AuthServer().PutOAuthClient(ctx, c); err != nil {
		return store.OAuthClient{}, secret.Value{}, fmt.Errorf("add OAuth client: %w", err)
	}
	return c, secret.FromString(sec), nil
}

// OAuthClients lists the authorization server's clients.
func (a *App) OAuthClients(ctx context.Context) ([]store.OAuthClient, error) {
	return a.Store.AuthServer().ListOAuthClients(ctx)
}

// RemoveOAuthClient deletes a client; its grants stay until revoked with
// `mcpgate key revoke`, but it can get no new tokens.
func (a *App) RemoveOAuthClient(ctx context.Context, id string) error {
	err := a.Store.AuthServer().DeleteOAuthClient(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("no OAuth client %q: see `mcpgate oauth client list`", id)
	}
	return err
}

// OAuthGrants maps the user's grant keys' ids to their grants.
func (a *App) OAuthGrants(ctx context.Context, u store.User) (map[string]store.OAuthGrant, error) {
	gs, err := a.Store.User(u.ID).OAuthGrants(ctx)
	if err != nil {
		return nil, err
	}
	out := map[string]store.OAuthGrant{}
	for _, g := range gs {
		out[g.KeyID] = g
	}
	return out, nil
}
