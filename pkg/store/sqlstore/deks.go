package sqlstore

import (
	"context"
	"errors"
	"fmt"

	"github.com/mcpgate/mcpgate/pkg/store"
)

const dekCols = "user_id, version, kek_id, wrapped, created_at"

func scanDEK(sc scanner) (store.DEK, error) {
	var d store.DEK
	var created int64
	if err := sc.Scan(&d.UserID, &d.Version, &d.KEKID, &d.Wrapped, &created); err != nil {
		return store.DEK{}, err
	}
	d.Wrapped = unblob(d.Wrapped)
	d.CreatedAt = fromMicros(created)
	return d, nil
}

// DEK returns the user's wrapped data-encryption key.
func (u *userStore) DEK(ctx context.Context) (store.DEK, error) {
	d, err := one(ctx, u.read, scanDEK, "SELECT "+dekCols+" FROM deks WHERE user_id = ?", u.userID)
	if err != nil {
		return store.DEK{}, fmt.Errorf("get DEK: %w", err)
	}
	return d, nil
}

// ListDEKs returns every user's DEK.
func (p *privileged) ListDEKs(ctx context.Context) ([]store.DEK, error) {
	deks, err := all(ctx, p.read, scanDEK, "SELECT "+dekCols+" FROM deks ORDER BY user_id")
	if err != nil {
		return nil, fmt.Errorf("list DEKs: %w", err)
	}
	return deks, nil
}

// ReplaceDEK is a compare-and-swap on (KEKID, Version): a concurrent
// rotation that got there first makes it return store.ErrNotFound.
func (p *privileged) ReplaceDEK(ctx context.Context, old, updated store.DEK) error {
	if updated.UserID != "" && updated.UserID != old.UserID {
		return errors.New("replace DEK: the new DEK is for another user")
	}
	err := p.write(ctx, func(t tx) error {
		return t.execOne(ctx, `UPDATE deks SET version = ?, kek_id = ?, wrapped = ?, created_at = ?
			WHERE user_id = ? AND kek_id = ? AND version = ?`,
			updated.Version, updated.KEKID, blob(updated.Wrapped), micros(updated.CreatedAt),
			old.UserID, old.KEKID, old.Version)
	})
	if err != nil {
		return fmt.Errorf("replace DEK of user %s: %w", old.UserID, err)
	}
	return nil
}
