package sqlstore

import (
	"context"
	"fmt"

	"github.com/mcpgate/mcpgate/pkg/store"
)

func scanPolicy(sc scanner) (store.Policy, error) {
	var p store.Policy
	var updated int64
	if err := sc.Scan(&p.UserID, &p.KeyID, &p.Body, &updated); err != nil {
		return store.Policy{}, err
	}
	p.UpdatedAt = fromMicros(updated)
	return p, nil
}

// PutPolicy creates or replaces the policy for p.KeyID.
func (u *userStore) PutPolicy(ctx context.Context, p store.Policy) error {
	if err := u.owns(p.UserID); err != nil {
		return fmt.Errorf("put policy %q: %w", p.KeyID, err)
	}
	err := u.write(ctx, func(t tx) error {
		_, err := t.exec(ctx, `INSERT INTO policies (user_id, key_id, body, updated_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (user_id, key_id) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at`,
			u.userID, p.KeyID, p.Body, micros(p.UpdatedAt))
		return err
	})
	if err != nil {
		return fmt.Errorf("put policy %q: %w", p.KeyID, err)
	}
	return nil
}

// Policy returns the policy for keyID ("" is the default).
func (u *userStore) Policy(ctx context.Context, keyID string) (store.Policy, error) {
	p, err := one(ctx, u.read, scanPolicy,
		"SELECT user_id, key_id, body, updated_at FROM policies WHERE user_id = ? AND key_id = ?", u.userID, keyID)
	if err != nil {
		return store.Policy{}, fmt.Errorf("get policy %q: %w", keyID, err)
	}
	return p, nil
}

// PolicyLayers returns the default policy and the key's own, those that
// are set, the default ("") first, in one query: it runs on every tool call.
func (u *userStore) PolicyLayers(ctx context.Context, keyID string) ([]store.Policy, error) {
	ps, err := all(ctx, u.read, scanPolicy,
		"SELECT user_id, key_id, body, updated_at FROM policies WHERE user_id = ? AND key_id IN ('', ?) ORDER BY key_id",
		u.userID, keyID)
	if err != nil {
		return nil, fmt.Errorf("get policies for key %q: %w", keyID, err)
	}
	return ps, nil
}

// DeletePolicy deletes the policy for keyID ("" is the default).
func (u *userStore) DeletePolicy(ctx context.Context, keyID string) error {
	err := u.write(ctx, func(t tx) error {
		return t.execOne(ctx, "DELETE FROM policies WHERE user_id = ? AND key_id = ?", u.userID, keyID)
	})
	if err != nil {
		return fmt.Errorf("delete policy %q: %w", keyID, err)
	}
	return nil
}
