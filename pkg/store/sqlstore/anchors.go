package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/mcpgate/mcpgate/pkg/store"
)

func scanAnchor(sc scanner) (store.AuditAnchor, error) {
	var a store.AuditAnchor
	err := sc.Scan(&a.UserID, &a.Seq, &a.Hash, &a.Pruned)
	return a, err
}

// PruneAudit deletes the head of the user's chain up to the first record
// that is not older than before, and makes the newest deleted record the
// anchor. Deleting a prefix by seq, rather than every record older than
// before, keeps the rest one unbroken chain even if a clock stepped back:
// a record older than before that follows a newer one is kept.
//
// It holds the same per-user lock as AppendAudit, so an append cannot
// chain to a record that is being deleted.
func (u *userStore) PruneAudit(ctx context.Context, before time.Time) (int64, error) {
	var n int64
	err := u.write(ctx, func(t tx) error {
		if err := t.lock(ctx, "audit:"+u.userID); err != nil {
			return err
		}
		var last store.AuditAnchor
		err := t.queryRow(ctx, `SELECT seq, hash FROM audit_records WHERE user_id = ? AND seq < COALESCE(
				(SELECT MIN(seq) FROM audit_records WHERE user_id = ? AND ts >= ?), ?)
			ORDER BY seq DESC LIMIT 1`, u.userID, u.userID, micros(before), int64(math.MaxInt64)).Scan(&last.Seq, &last.Hash)
		if errors.Is(err, sql.ErrNoRows) {
			return nil // nothing to prune
		}
		if err != nil {
			return fmt.Errorf("find the newest record to prune: %w", err)
		}
		res, err := t.exec(ctx, "DELETE FROM audit_records WHERE user_id = ? AND seq <= ?", u.userID, last.Seq)
		if err != nil {
			return err
		}
		if n, err = res.RowsAffected(); err != nil {
			return err
		}
		_, err = t.exec(ctx, `INSERT INTO audit_anchors (user_id, seq, hash, pruned) VALUES (?, ?, ?, ?)
			ON CONFLICT (user_id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash,
				pruned = audit_anchors.pruned + excluded.pruned`, u.userID, last.Seq, last.Hash, n)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("prune audit records: %w", err)
	}
	return n, nil
}

// AuditAnchor returns the user's anchor, or the zero anchor if nothing
// was ever pruned.
func (u *userStore) AuditAnchor(ctx context.Context) (store.AuditAnchor, error) {
	a, err := one(ctx, u.read, scanAnchor,
		"SELECT user_id, seq, hash, pruned FROM audit_anchors WHERE user_id = ?", u.userID)
	if errors.Is(err, store.ErrNotFound) {
		return store.AuditAnchor{}, nil
	}
	if err != nil {
		return store.AuditAnchor{}, fmt.Errorf("get audit anchor: %w", err)
	}
	return a, nil
}
