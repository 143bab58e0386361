package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/mcpgate/mcpgate/pkg/store"
)

const connCols = `id, user_id, name, provider, auth_kind, account, scopes, status, api_url,
	credential, dek_version, expires_at, created_at, updated_at, mcp`

func scanConnection(sc scanner) (store.Connection, error) {
	var c store.Connection
	var expires, created, updated int64
	err := sc.Scan(&c.ID, &c.UserID, &c.Name, &c.Provider, &c.AuthKind, &c.Account, &c.Scopes, &c.Status, &c.APIURL,
		&c.Credential, &c.DEKVersion, &expires, &created, &updated, &c.MCP)
	if err != nil {
		return store.Connection{}, err
	}
	c.Credential = unblob(c.Credential)
	c.ExpiresAt, c.CreatedAt, c.UpdatedAt = fromMicros(expires), fromMicros(created), fromMicros(updated)
	return c, nil
}

// CreateConnection stores c as the handle's user's.
func (u *userStore) CreateConnection(ctx context.Context, c store.Connection) error {
	if err := u.owns(c.UserID); err != nil {
		return fmt.Errorf("create connection %q: %w", c.Name, err)
	}
	if c.ID == "" || c.Name == "" {
		return errors.New("create connection: id and name are required")
	}
	err := u.write(ctx, func(t tx) error {
		if err := u.sealable(ctx, t, c.DEKVersion); err != nil {
			return err
		}
		_, err := t.exec(ctx, "INSERT INTO connections ("+connCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
			c.ID, u.userID, c.Name, c.Provider, c.AuthKind, c.Account, c.Scopes, c.Status, c.APIURL,
			blob(c.Credential), c.DEKVersion, micros(c.ExpiresAt), micros(c.CreatedAt), micros(c.UpdatedAt), c.MCP)
		return err
	})
	if err != nil {
		return fmt.Errorf("create connection %q: %w", c.Name, err)
	}
	return nil
}

// Connection returns the user's connection called name.
func (u *userStore) Connection(ctx context.Context, name string) (store.Connection, error) {
	c, err := one(ctx, u.read, scanConnection,
		"SELECT "+connCols+" FROM connections WHERE user_id = ? AND name = ?", u.userID, name)
	if err != nil {
		return store.Connection{}, fmt.Errorf("get connection %q: %w", name, err)
	}
	return c, nil
}

// ListConnections returns the user's connections by name.
func (u *userStore) ListConnections(ctx context.Context) ([]store.Connection, error) {
	cs, err := all(ctx, u.read, scanConnection,
		"SELECT "+connCols+" FROM connections WHERE user_id = ? ORDER BY name", u.userID)
	if err != nil {
		return nil, fmt.Errorf("list connections: %w", err)
	}
	return cs, nil
}

// UpdateConnection finds the connection by c.ID and replaces everything
// but its ID, UserID, Name and CreatedAt.
func (u *userStore) UpdateConnection(ctx context.Context, c store.Connection) error {
	return u.updateConnection(ctx, c, nil)
}

// UpdateConnectionIf is UpdateConnection if the stored UpdatedAt is still
// updatedAt, compared at the microsecond precision it is stored with.
func (u *userStore) UpdateConnectionIf(ctx context.Context, c store.Connection, updatedAt time.Time) error {
	return u.updateConnection(ctx, c, &updatedAt)
}

func (u *userStore) updateConnection(ctx context.Context, c store.Connection, ifUpdatedAt *time.Time) error {
	if err := u.owns(c.UserID); err != nil {
		return fmt.Errorf("update connection %q: %w", c.Name, err)
	}
	q := `UPDATE connections SET provider = ?, auth_kind = ?, account = ?, scopes = ?,
		status = ?, api_url = ?, credential = ?, dek_version = ?, expires_at = ?, updated_at = ?, mcp = ?
		WHERE user_id = ? AND id = ?`
	args := []any{c.Provider, c.AuthKind, c.Account, c.Scopes, c.Status, c.APIURL,
		blob(c.Credential), c.DEKVersion, micros(c.ExpiresAt), micros(c.UpdatedAt), c.MCP, u.userID, c.ID}
	if ifUpdatedAt != nil {
		q += " AND updated_at = ?"
		args = append(args, micros(*ifUpdatedAt))
	}
	err := u.write(ctx, func(t tx) error {
		if err := u.sealable(ctx, t, c.DEKVersion); err != nil {
			return err
		}
		err := t.execOne(ctx, q, args...)
		if ifUpdatedAt == nil || !errors.Is(err, store.ErrNotFound) {
			return err
		}
		// The row lost the race or is not there (or not the handle's).
		var n int
		if err := t.queryRow(ctx, "SELECT COUNT(*) FROM connections WHERE user_id = ? AND id = ?", u.userID, c.ID).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return store.ErrConflict
		}
		return store.ErrNotFound
	})
	if err != nil {
		return fmt.Errorf("update connection %q: %w", c.Name, err)
	}
	return nil
}

// DeleteConnection deletes the user's connection called name.
func (u *userStore) DeleteConnection(ctx context.Context, name string) error {
	err := u.write(ctx, func(t tx) error {
		return t.execOne(ctx, "DELETE FROM connections WHERE user_id = ? AND name = ?", u.userID, name)
	})
	if err != nil {
		return fmt.Errorf("delete connection %q: %w", name, err)
	}
	return nil
}
