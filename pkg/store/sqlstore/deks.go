package sqlstore

import (
	"context"
	"errors"
	"fmt"

	"github.com/mcpgate/mcpgate/pkg/store"
)

const dekCols = "user_id, version, kek_id, wrapped, mac, created_at"

func scanDEK(sc scanner) (store.DEK, error) {
	var d store.DEK
	var created int64
	if err := sc.Scan(&d.UserID, &d.Version, &d.KEKID, &d.Wrapped, &d.MAC, &created); err != nil {
		return store.DEK{}, err
	}
	d.Wrapped, d.MAC = unblob(d.Wrapped), unblob(d.MAC)
	d.CreatedAt = fromMicros(created)
	return d, nil
}

// DEK returns the user's current DEK, the highest version.
func (u *userStore) DEK(ctx context.Context) (store.DEK, error) {
	d, err := one(ctx, u.read, scanDEK,
		"SELECT "+dekCols+" FROM deks WHERE user_id = ? ORDER BY version DESC LIMIT 1", u.userID)
	if err != nil {
		return store.DEK{}, fmt.Errorf("get DEK: %w", err)
	}
	return d, nil
}

// DEKVersion returns one version of the user's DEK.
func (u *userStore) DEKVersion(ctx context.Context, version int) (store.DEK, error) {
	d, err := one(ctx, u.read, scanDEK,
		"SELECT "+dekCols+" FROM deks WHERE user_id = ? AND version = ?", u.userID, version)
	if err != nil {
		return store.DEK{}, fmt.Errorf("get DEK version %d: %w", version, err)
	}
	return d, nil
}

// ListDEKs returns every version of the user's DEK, oldest first.
func (u *userStore) ListDEKs(ctx context.Context) ([]store.DEK, error) {
	deks, err := all(ctx, u.read, scanDEK, "SELECT "+dekCols+" FROM deks WHERE user_id = ? ORDER BY version", u.userID)
	if err != nil {
		return nil, fmt.Errorf("list DEKs: %w", err)
	}
	return deks, nil
}

// AddDEK stores d as the user's new current version. A version that is
// not above the current one is refused: store.ErrAlreadyExists if it is
// stored, a plain error if it was deleted (versions are never reused).
func (u *userStore) AddDEK(ctx context.Context, d store.DEK) error {
	if err := u.owns(d.UserID); err != nil {
		return fmt.Errorf("add DEK version %d: %w", d.Version, err)
	}
	if d.Version < 1 {
		return fmt.Errorf("add DEK version %d: versions start at 1", d.Version)
	}
	err := u.write(ctx, func(t tx) error {
		var current, same int
		err := t.queryRow(ctx, `SELECT COALESCE(MAX(version), 0), COUNT(CASE WHEN version = ? THEN 1 END)
			FROM deks WHERE user_id = ?`, d.Version, u.userID).Scan(&current, &same)
		switch {
		case err != nil:
			return err
		case same > 0:
			return store.ErrAlreadyExists
		case d.Version < current:
			return fmt.Errorf("the current version is %d: a new one must be above it", current)
		}
		// A concurrent add of the same version fails on the primary key.
		_, err = t.exec(ctx, "INSERT INTO deks ("+dekCols+") VALUES (?, ?, ?, ?, ?, ?)",
			u.userID, d.Version, d.KEKID, blob(d.Wrapped), nullBlob(d.MAC), micros(d.CreatedAt))
		return err
	})
	if err != nil {
		return fmt.Errorf("add DEK version %d: %w", d.Version, err)
	}
	return nil
}

// DeleteDEK deletes a version that is not current and seals nothing. The
// conditions are part of the DELETE, so they hold when it runs; only if it
// deletes nothing does a second query find out why.
func (u *userStore) DeleteDEK(ctx context.Context, version int) error {
	err := u.write(ctx, func(t tx) error {
		res, err := t.exec(ctx, `DELETE FROM deks WHERE user_id = ? AND version = ?
			AND version < (SELECT MAX(version) FROM deks WHERE user_id = ?)
			AND NOT EXISTS (SELECT 1 FROM connections WHERE user_id = ? AND dek_version = ?)
			AND NOT EXISTS (SELECT 1 FROM oauth_states WHERE user_id = ? AND dek_version = ?)
			AND NOT EXISTS (SELECT 1 FROM audit_keys WHERE user_id = ? AND dek_version = ?)
			AND NOT EXISTS (SELECT 1 FROM approvals WHERE user_id = ? AND dek_version = ?)`,
			u.userID, version, u.userID, u.userID, version, u.userID, version, u.userID, version, u.userID, version)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n > 0 {
			return err
		}
		return u.whyDEKStays(ctx, t, version)
	})
	if errors.Is(err, store.ErrStaleDEK) {
		// The foreign key from a row sealed under the version, written
		// after the conditions above were evaluated (PostgreSQL).
		err = fmt.Errorf("%w: a connection or OAuth state was sealed under it meanwhile", store.ErrInUse)
	}
	if err != nil {
		return fmt.Errorf("delete DEK version %d: %w", version, err)
	}
	return nil
}

// sealable refuses, with store.ErrStaleDEK, a row sealed under a version
// the user does not have. It runs in the transaction that writes the row;
// the foreign key from the row to the version is what holds against a
// concurrent delete, this check is what makes the refusal the same on
// every engine (SQLite's foreign-key errors do not name the constraint).
func (u *userStore) sealable(ctx context.Context, t tx, version int) error {
	var n int
	if err := t.queryRow(ctx, "SELECT COUNT(*) FROM deks WHERE user_id = ? AND version = ?", u.userID, version).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("%w: version %d", store.ErrStaleDEK, version)
	}
	return nil
}

// whyDEKStays explains why DeleteDEK deleted nothing.
func (u *userStore) whyDEKStays(ctx context.Context, t tx, version int) error {
	var exists, current, sealed int
	err := t.queryRow(ctx, `SELECT
			(SELECT COUNT(*) FROM deks WHERE user_id = ? AND version = ?),
			(SELECT COALESCE(MAX(version), 0) FROM deks WHERE user_id = ?),
			(SELECT COUNT(*) FROM connections WHERE user_id = ? AND dek_version = ?)
				+ (SELECT COUNT(*) FROM oauth_states WHERE user_id = ? AND dek_version = ?)
				+ (SELECT COUNT(*) FROM audit_keys WHERE user_id = ? AND dek_version = ?)
				+ (SELECT COUNT(*) FROM approvals WHERE user_id = ? AND dek_version = ?)`,
		u.userID, version, u.userID, u.userID, version, u.userID, version, u.userID, version, u.userID, version).Scan(&exists, &current, &sealed)
	switch {
	case err != nil:
		return err
	case exists == 0:
		return store.ErrNotFound
	case version == current:
		return fmt.Errorf("%w: it is the current version", store.ErrInUse)
	default:
		return fmt.Errorf("%w: %d connections, OAuth states, audit keys or pending approvals are sealed under it: re-encrypt them first", store.ErrInUse, sealed)
	}
}

// ListDEKs returns every version of every user's DEK.
func (p *privileged) ListDEKs(ctx context.Context) ([]store.DEK, error) {
	deks, err := all(ctx, p.read, scanDEK, "SELECT "+dekCols+" FROM deks ORDER BY user_id, version")
	if err != nil {
		return nil, fmt.Errorf("list DEKs: %w", err)
	}
	return deks, nil
}

// ReplaceDEK is a compare-and-swap on KEKID of one (user, version): a
// concurrent rotation that got there first makes it return
// store.ErrNotFound. It also stores updated.MAC (a row keeping its KEK
// gets its MAC this way).
func (p *privileged) ReplaceDEK(ctx context.Context, old, updated store.DEK) error {
	if updated.UserID != "" && updated.UserID != old.UserID {
		return errors.New("replace DEK: the new DEK is for another user")
	}
	if updated.Version != old.Version {
		return fmt.Errorf("replace DEK of user %s: version %d cannot become %d: add a version instead",
			old.UserID, old.Version, updated.Version)
	}
	err := p.write(ctx, func(t tx) error {
		return t.execOne(ctx, `UPDATE deks SET kek_id = ?, wrapped = ?, mac = ?, created_at = ?
			WHERE user_id = ? AND version = ? AND kek_id = ?`,
			updated.KEKID, blob(updated.Wrapped), nullBlob(updated.MAC), micros(updated.CreatedAt),
			old.UserID, old.Version, old.KEKID)
	})
	if err != nil {
		return fmt.Errorf("replace DEK of user %s: %w", old.UserID, err)
	}
	return nil
}
