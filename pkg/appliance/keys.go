package appliance

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/mcpgate/mcpgate/pkg/apikey"
	"github.com/mcpgate/mcpgate/pkg/secret"
	"github.com/mcpgate/mcpgate/pkg/store"
)

// CreateKey makes an app key for u. The raw key is returned once; only its
// hash is stored. scope lists connection names; empty means all.
func (a *App) CreateKey(ctx context.Context, u store.User, name string, scope []string) (secret.Value, store.APIKey, error) {
	if err := ValidName("key", name); err != nil {
		return secret.Value{}, store.APIKey{}, err
	}
	us := a.Store.User(u.ID)
	if err := a.checkScope(ctx, us, scope); err != nil {
		return secret.Value{}, store.APIKey{}, err
	}
	raw, id, err := apikey.Generate()
	if err != nil {
		return secret.Value{}, store.APIKey{}, err
	}
	hash, err := apikey.HashKey(raw)
	if err != nil {
		return secret.Value{}, store.APIKey{}, err
	}
	k := store.APIKey{ID: id, UserID: u.ID, Name: name, Hash: hash, Scope: scope, CreatedAt: time.Now().UTC()}
	if err := us.CreateAPIKey(ctx, k); err != nil {
		if errors.Is(err, store.ErrAlreadyExists) {
			return secret.Value{}, store.APIKey{}, fmt.Errorf("a key named %q already exists: use `mcpgate key regenerate %s` or pick another name", name, name)
		}
		return secret.Value{}, store.APIKey{}, fmt.Errorf("store key: %w", err)
	}
	return raw, k, nil
}

func (a *App) checkScope(ctx context.Context, us store.UserStore, scope []string) error {
	for _, name := range scope {
		if _, err := us.Connection(ctx, name); errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("--allow-connection %s: there is no such connection (see `mcpgate connect list`)", name)
		} else if err != nil {
			return fmt.Errorf("check scope: %w", err)
		}
	}
	return nil
}

// activeKey finds u's active key by name.
func (a *App) activeKey(ctx context.Context, u store.User, name string) (store.APIKey, error) {
	k, err := a.Store.User(u.ID).APIKeyByName(ctx, name)
	if errors.Is(err, store.ErrNotFound) || err == nil && k.Revoked() {
		return store.APIKey{}, fmt.Errorf("no active key named %q (see `mcpgate key list`)", name)
	}
	return k, err
}

// RegenerateKey gives the key a new secret under the same id, so its
// policy and history stay; the old secret is refused on its next request.
func (a *App) RegenerateKey(ctx context.Context, u store.User, name string) (secret.Value, store.APIKey, error) {
	k, err := a.activeKey(ctx, u, name)
	if err != nil {
		return secret.Value{}, store.APIKey{}, err
	}
	raw, err := apikey.Regenerate(k.ID)
	if err != nil {
		return secret.Value{}, store.APIKey{}, err
	}
	if k.Hash, err = apikey.HashKey(raw); err != nil {
		return secret.Value{}, store.APIKey{}, err
	}
	if err := a.Store.User(u.ID).UpdateAPIKey(ctx, k); err != nil {
		return secret.Value{}, store.APIKey{}, fmt.Errorf("store key: %w", err)
	}
	return raw, k, nil
}

// RevokeKey refuses the key from its next request on.
func (a *App) RevokeKey(ctx context.Context, u store.User, name string) error {
	k, err := a.activeKey(ctx, u, name)
	if err != nil {
		return err
	}
	k.RevokedAt = time.Now().UTC()
	if err := a.Store.User(u.ID).UpdateAPIKey(ctx, k); err != nil {
		return fmt.Errorf("revoke key: %w", err)
	}
	return nil
}
