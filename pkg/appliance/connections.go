package appliance

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"time"

	"github.com/mcpgate/mcpgate/pkg/connector"
	"github.com/mcpgate/mcpgate/pkg/mcpup"
	"github.com/mcpgate/mcpgate/pkg/oauth"
	"github.com/mcpgate/mcpgate/pkg/secret"
	"github.com/mcpgate/mcpgate/pkg/store"
	"github.com/mcpgate/mcpgate/pkg/vault"
)

// upstream builds what a provider call needs, with the configured API URL.
func (a *App) upstream(p connector.Provider, connURL string, cred secret.Value) connector.Upstream {
	return connector.Upstream{
		BaseURL:        connector.BaseURL(connURL, a.Config.Connectors[p.Name()].APIURL, p),
		Credential:     cred,
		HTTP:           connector.NewHTTPClient(a.Config.Limits.UpstreamTimeout),
		MaxResultBytes: a.Config.Limits.MaxResultBytes,
	}
}

// AddTokenConnection stores a token (a PAT, a bot token) after checking it
// against the provider's identity endpoint.
func (a *App) AddTokenConnection(ctx context.Context, u store.User, provider, name string, token secret.Value) (store.Connection, error) {
	p, err := connector.Lookup(provider)
	if err != nil {
		return store.Connection{}, err
	}
	if !slices.Contains(p.AuthKinds(), connector.AuthAPIKey) {
		return store.Connection{}, fmt.Errorf("%s connections use OAuth, not a pasted token", provider)
	}
	if name == "" {
		name = provider
	}
	if err := ValidName("connection", name); err != nil {
		return store.Connection{}, err
	}
	if token.IsZero() {
		return store.Connection{}, errors.New("the token is empty")
	}
	us := a.Store.User(u.ID)
	if _, err := us.Connection(ctx, name); err == nil {
		return store.Connection{}, fmt.Errorf("a connection named %q already exists: remove it first or pick another --name", name)
	}
	account, err := p.Identify(ctx, a.upstream(p, "", token))
	if err != nil {
		return store.Connection{}, fmt.Errorf("check the token with %s: %w", provider, secret.NewRedactor(token).Scrub(err))
	}
	now := time.Now().UTC()
	c := store.Connection{
		ID: NewID("c_"), UserID: u.ID, Name: name, Provider: provider, AuthKind: connector.AuthAPIKey,
		Account: account, Status: "ok", CreatedAt: now, UpdatedAt: now,
	}
	err = a.Vault.SealAndStore(ctx, u.ID, vault.PurposeCredential, c.ID, token.Bytes(), func(sealed []byte, dekVersion int) error {
		c.Credential, c.DEKVersion = sealed, dekVersion
		return us.CreateConnection(ctx, c)
	})
	if err != nil {
		if errors.Is(err, store.ErrAlreadyExists) {
			return store.Connection{}, fmt.Errorf("a connection named %q already exists", name)
		}
		return store.Connection{}, fmt.Errorf("store connection: %w", err)
	}
	return c, nil
}

// TestConnection opens the credential and asks the provider who it is.
func (a *App) TestConnection(ctx context.Context, u store.User, name string) (string, error) {
	c, err := a.connection(ctx, u, name)
	if err != nil {
		return "", err
	}
	p, err := connector.Lookup(c.Provider)
	if err != nil {
		return "", err
	}
	cred, err := a.accessToken(ctx, c)
	if err != nil {
		return "", err
	}
	account, err := p.Identify(ctx, a.upstream(p, c.APIURL, cred))
	if err != nil {
		return "", fmt.Errorf("%s refused the stored credential: %w", c.Provider, secret.NewRedactor(cred).Scrub(err))
	}
	return account, nil
}

// RemoveConnection deletes the stored credential. Unless keepRemote, it
// first revokes the token at the provider where the provider offers that;
// a revocation that fails is reported but does not keep the credential.
func (a *App) RemoveConnection(ctx context.Context, u store.User, name string, keepRemote bool) (revokeErr error, err error) {
	c, err := a.connection(ctx, u, name)
	if err != nil {
		return nil, err
	}
	if !keepRemote {
		revokeErr = a.revoke(ctx, c)
	}
	if err := a.Store.User(u.ID).DeleteConnection(ctx, name); err != nil {
		return revokeErr, fmt.Errorf("remove connection: %w", err)
	}
	if c.Provider == mcpup.Provider {
		// The server's home directory: what it wrote is the user's data.
		_ = os.RemoveAll(mcpup.Home(a.Config.DataDir, c.UserID, c.ID))
	}
	return revokeErr, nil
}

func (a *App) revoke(ctx context.Context, c store.Connection) error {
	p, err := connector.Lookup(c.Provider)
	if err != nil {
		return nil
	}
	r, ok := p.(connector.Revoker)
	if !ok || c.AuthKind != connector.AuthOAuth2 {
		return nil
	}
	cred, err := a.Vault.Open(ctx, c.UserID, vault.PurposeCredential, c.ID, c.Credential)
	if err != nil {
		return err
	}
	// A revocation needs a live access token (Dropbox refuses an expired
	// one): refresh first where that works, else use the stored one.
	_, tokens := a.OAuth()
	tok, err := tokens.Access(ctx, c, cred, false)
	if err != nil {
		if tok, err = oauth.AccessFrom(cred); err != nil {
			return err
		}
	}
	client, err := oauth.Client(a.Config, c.Provider)
	if err != nil {
		return err
	}
	if err := r.Revoke(ctx, a.upstream(p, c.APIURL, tok), client); err != nil {
		return fmt.Errorf("revoke the token at %s: %w", c.Provider, secret.NewRedactor(tok).Scrub(err))
	}
	return nil
}

func (a *App) connection(ctx context.Context, u store.User, name string) (store.Connection, error) {
	c, err := a.Store.User(u.ID).Connection(ctx, name)
	if errors.Is(err, store.ErrNotFound) {
		return c, fmt.Errorf("no connection named %q (see `mcpgate connect list`)", name)
	}
	return c, err
}
