package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/mcpgate/mcpgate/pkg/store"
)

const keyCols = "id, user_id, name, hash, scope, created_at, last_used_at, revoked_at"

func scanAPIKey(sc scanner) (store.APIKey, error) {
	var k store.APIKey
	var scope string
	var created, used, revoked int64
	if err := sc.Scan(&k.ID, &k.UserID, &k.Name, &k.Hash, &scope, &created, &used, &revoked); err != nil {
		return store.APIKey{}, err
	}
	var err error
	if k.Scope, err = decodeList(scope); err != nil {
		return store.APIKey{}, fmt.Errorf("key %s: %w", k.ID, err)
	}
	k.CreatedAt, k.LastUsedAt, k.RevokedAt = fromMicros(created), fromMicros(used), fromMicros(revoked)
	return k, nil
}

// CreateAPIKey stores k as the handle's user's.
func (u *userStore) CreateAPIKey(ctx context.Context, k store.APIKey) error {
	err := u.write(ctx, func(t tx) error { return u.insertKey(ctx, t, k) })
	if err != nil {
		return fmt.Errorf("create API key %q: %w", k.Name, err)
	}
	return nil
}

func (u *userStore) insertKey(ctx context.Context, t tx, k store.APIKey) error {
	if err := u.owns(k.UserID); err != nil {
		return err
	}
	if k.ID == "" || k.Name == "" {
		return errors.New("id and name are required")
	}
	scope, err := encodeList(k.Scope)
	if err != nil {
		return err
	}
	_, err = t.exec(ctx, "INSERT INTO api_keys ("+keyCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
		k.ID, u.userID, k.Name, k.Hash, scope, micros(k.CreatedAt), micros(k.LastUsedAt), micros(k.RevokedAt))
	return err
}

// APIKeyByName returns the active key called name or, if none is active,
// the most recently created revoked one.
func (u *userStore) APIKeyByName(ctx context.Context, name string) (store.APIKey, error) {
	k, err := one(ctx, u.read, scanAPIKey, "SELECT "+keyCols+` FROM api_keys WHERE user_id = ? AND name = ?
		ORDER BY CASE WHEN revoked_at = 0 THEN 0 ELSE 1 END, created_at DESC, id LIMIT 1`, u.userID, name)
	if err != nil {
		return store.APIKey{}, fmt.Errorf("get API key %q: %w", name, err)
	}
	return k, nil
}

// ListAPIKeys returns the user's keys, revoked ones included, oldest first.
func (u *userStore) ListAPIKeys(ctx context.Context) ([]store.APIKey, error) {
	ks, err := all(ctx, u.read, scanAPIKey,
		"SELECT "+keyCols+" FROM api_keys WHERE user_id = ? ORDER BY created_at, name, id", u.userID)
	if err != nil {
		return nil, fmt.Errorf("list API keys: %w", err)
	}
	return ks, nil
}

// UpdateAPIKey replaces Name, Hash, Scope and RevokedAt of the key k.ID.
func (u *userStore) UpdateAPIKey(ctx context.Context, k store.APIKey) error {
	if err := u.owns(k.UserID); err != nil {
		return fmt.Errorf("update API key %s: %w", k.ID, err)
	}
	scope, err := encodeList(k.Scope)
	if err != nil {
		return fmt.Errorf("update API key %s: %w", k.ID, err)
	}
	err = u.write(ctx, func(t tx) error {
		return t.execOne(ctx, "UPDATE api_keys SET name = ?, hash = ?, scope = ?, revoked_at = ? WHERE user_id = ? AND id = ?",
			k.Name, k.Hash, scope, micros(k.RevokedAt), u.userID, k.ID)
	})
	if err != nil {
		return fmt.Errorf("update API key %s: %w", k.ID, err)
	}
	return nil
}

// ReplaceAPIKey revokes the active key oldID (store.ErrNotFound if there
// is none) as of k.CreatedAt, or now, and creates k, in one transaction.
func (u *userStore) ReplaceAPIKey(ctx context.Context, oldID string, k store.APIKey) error {
	at := k.CreatedAt
	if at.IsZero() {
		at = time.Now()
	}
	err := u.write(ctx, func(t tx) error {
		if err := t.execOne(ctx, "UPDATE api_keys SET revoked_at = ? WHERE user_id = ? AND id = ? AND revoked_at = 0",
			micros(at), u.userID, oldID); err != nil {
			return fmt.Errorf("revoke key %s: %w", oldID, err)
		}
		return u.insertKey(ctx, t, k)
	})
	if err != nil {
		return fmt.Errorf("replace API key %q: %w", k.Name, err)
	}
	return nil
}

// TouchAPIKey records that keyID was used at at.
func (u *userStore) TouchAPIKey(ctx context.Context, keyID string, at time.Time) error {
	err := u.writeHot(ctx, func(t tx) error {
		return t.execOne(ctx, "UPDATE api_keys SET last_used_at = ? WHERE user_id = ? AND id = ?", micros(at), u.userID, keyID)
	})
	if err != nil {
		return fmt.Errorf("touch API key %s: %w", keyID, err)
	}
	return nil
}

// APIKey looks a key up by its public id, whoever owns it.
func (p *privileged) APIKey(ctx context.Context, keyID string) (store.APIKey, error) {
	k, err := one(ctx, p.read, scanAPIKey, "SELECT "+keyCols+" FROM api_keys WHERE id = ?", keyID)
	if err != nil {
		return store.APIKey{}, fmt.Errorf("get API key %s: %w", keyID, err)
	}
	return k, nil
}
