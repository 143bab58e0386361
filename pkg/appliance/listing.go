package appliance

import (
	"context"

	"github.com/mcpgate/mcpgate/pkg/store"
)

// Connections returns u's connections, as stored (credentials sealed).
func (a *App) Connections(ctx context.Context, u store.User) ([]store.Connection, error) {
	return a.Store.User(u.ID).ListConnections(ctx)
}

// Connection returns u's connection named name, as stored;
// store.ErrNotFound if there is none.
func (a *App) Connection(ctx context.Context, u store.User, name string) (store.Connection, error) {
	return a.Store.User(u.ID).Connection(ctx, name)
}

// APIKeys returns u's app keys, revoked ones too (only their hashes are
// stored).
func (a *App) APIKeys(ctx context.Context, u store.User) ([]store.APIKey, error) {
	return a.Store.User(u.ID).ListAPIKeys(ctx)
}
