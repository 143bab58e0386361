package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/mcpgate/mcpgate/pkg/store"
)

// AuditCursor returns the user's cursor of sink, or the zero cursor.
func (u *userStore) AuditCursor(ctx context.Context, sink string) (store.AuditCursor, error) {
	c, err := one(ctx, u.read, func(sc scanner) (store.AuditCursor, error) {
		c := store.AuditCursor{UserID: u.userID, Sink: sink}
		err := sc.Scan(&c.Seq, &c.Hash, &c.Count)
		return c, err
	}, "SELECT seq, hash, records FROM audit_cursors WHERE user_id = ? AND sink = ?", u.userID, sink)
	if errors.Is(err, store.ErrNotFound) {
		return store.AuditCursor{UserID: u.userID, Sink: sink}, nil
	}
	if err != nil {
		return store.AuditCursor{}, fmt.Errorf("get audit cursor: %w", err)
	}
	return c, nil
}

// AdvanceAuditCursor moves the cursor from fromSeq to c, compare-and-swap.
func (u *userStore) AdvanceAuditCursor(ctx context.Context, fromSeq int64, c store.AuditCursor) error {
	if err := u.owns(c.UserID); err != nil {
		return fmt.Errorf("advance audit cursor: %w", err)
	}
	if c.Sink == "" || c.Seq <= fromSeq {
		return errors.New("advance audit cursor: a sink and a sequence number above the current one are required")
	}
	err := u.write(ctx, func(t tx) error {
		now := micros(time.Now())
		if fromSeq == 0 {
			_, err := t.exec(ctx, `INSERT INTO audit_cursors (user_id, sink, seq, hash, records, updated_at)
				VALUES (?, ?, ?, ?, ?, ?)`, u.userID, c.Sink, c.Seq, c.Hash, c.Count, now)
			if errors.Is(u.s.translate(err), store.ErrAlreadyExists) {
				return store.ErrConflict
			}
			return err
		}
		res, err := t.exec(ctx, `UPDATE audit_cursors SET seq = ?, hash = ?, records = ?, updated_at = ?
			WHERE user_id = ? AND sink = ? AND seq = ?`, c.Seq, c.Hash, c.Count, now, u.userID, c.Sink, fromSeq)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n != 1 {
			return store.ErrConflict
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("advance audit cursor: %w", err)
	}
	return nil
}

// AuditBacklog counts the user's records after sink's cursor.
func (u *userStore) AuditBacklog(ctx context.Context, sink string) (int64, error) {
	n, err := one(ctx, u.read, func(sc scanner) (int64, error) {
		var n int64
		err := sc.Scan(&n)
		return n, err
	}, `SELECT COUNT(*) FROM audit_records WHERE user_id = ? AND seq > COALESCE(
		(SELECT seq FROM audit_cursors WHERE user_id = ? AND sink = ?), 0)`, u.userID, u.userID, sink)
	if err != nil {
		return 0, fmt.Errorf("count audit backlog: %w", err)
	}
	return n, nil
}

// TakeLease takes or renews the lease called name for holder.
func (s *Store) TakeLease(ctx context.Context, name, holder string, now time.Time, ttl time.Duration) (bool, error) {
	if name == "" || holder == "" || ttl <= 0 {
		return false, errors.New("take lease: a name, a holder and a positive duration are required")
	}
	var held bool
	a := &authStore{s: s}
	err := a.write(ctx, func(t tx) error {
		res, err := t.exec(ctx, `INSERT INTO leases (name, holder, expires_at) VALUES (?, ?, ?)
			ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
			WHERE leases.holder = excluded.holder OR leases.expires_at <= ?`,
			name, holder, micros(now.Add(ttl)), micros(now))
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		held = n == 1
		return err
	})
	if err != nil {
		return false, fmt.Errorf("take lease %s: %w", name, err)
	}
	return held, nil
}

// ReleaseLease deletes the lease if holder holds it.
func (s *Store) ReleaseLease(ctx context.Context, name, holder string) error {
	a := &authStore{s: s}
	err := a.write(ctx, func(t tx) error {
		_, err := t.exec(ctx, "DELETE FROM leases WHERE name = ? AND holder = ?", name, holder)
		return err
	})
	if err != nil {
		return fmt.Errorf("release lease %s: %w", name, err)
	}
	return nil
}
