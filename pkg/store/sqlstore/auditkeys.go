package sqlstore

import (
	"context"
	"fmt"

	"github.com/mcpgate/mcpgate/pkg/store"
)

const auditKeyCols = "user_id, sealed, dek_version, created_at"

// rechainBatch bounds how many records KeyAudit holds in memory at once.
const rechainBatch = 500

func scanAuditKey(sc scanner) (store.AuditKey, error) {
	var k store.AuditKey
	var created int64
	if err := sc.Scan(&k.UserID, &k.Sealed, &k.DEKVersion, &created); err != nil {
		return store.AuditKey{}, err
	}
	k.Sealed = unblob(k.Sealed)
	k.CreatedAt = fromMicros(created)
	return k, nil
}

// AuditKey returns the user's sealed audit keys.
func (u *userStore) AuditKey(ctx context.Context) (store.AuditKey, error) {
	k, err := one(ctx, u.read, scanAuditKey, "SELECT "+auditKeyCols+" FROM audit_keys WHERE user_id = ?", u.userID)
	if err != nil {
		return store.AuditKey{}, fmt.Errorf("get audit key: %w", err)
	}
	return k, nil
}

// KeyAudit re-chains the user's records through rechain and stores k, in
// one transaction under the append lock, so no append can chain to a
// record while its hash changes, and a crash leaves either the old chain
// without a key or the new chain with it. Records are read in batches by
// seq, so memory stays bounded however long the log is.
func (u *userStore) KeyAudit(ctx context.Context, k store.AuditKey, rechain func(prev string, r store.AuditRecord) (store.AuditRecord, error)) (int64, error) {
	if err := u.owns(k.UserID); err != nil {
		return 0, fmt.Errorf("key audit records: %w", err)
	}
	var n int64
	var fnErr error
	err := u.write(ctx, func(t tx) error {
		if err := t.lock(ctx, "audit:"+u.userID); err != nil {
			return err
		}
		var have int
		if err := t.queryRow(ctx, "SELECT COUNT(*) FROM audit_keys WHERE user_id = ?", u.userID).Scan(&have); err != nil {
			return err
		}
		if have > 0 {
			return store.ErrAlreadyExists
		}
		var prev string
		if err := t.queryRow(ctx, "SELECT COALESCE((SELECT hash FROM audit_anchors WHERE user_id = ?), '')", u.userID).Scan(&prev); err != nil {
			return fmt.Errorf("read audit anchor: %w", err)
		}
		var after int64
		for {
			batch, err := collect(ctx, t, scanAudit, "SELECT "+auditCols+" FROM audit_records WHERE user_id = ? AND seq > ? ORDER BY seq LIMIT ?",
				u.userID, after, rechainBatch)
			if err != nil {
				return err
			}
			for _, r := range batch {
				nr, err := rechain(prev, r)
				if err != nil {
					fnErr = err
					return err
				}
				if nr.Seq != r.Seq || nr.PrevHash != prev {
					return fmt.Errorf("re-chain record %d: it must keep its seq and chain to %q", r.Seq, prev)
				}
				if _, err := t.exec(ctx, "UPDATE audit_records SET prev_hash = ?, hash = ?, chain = ? WHERE user_id = ? AND seq = ?",
					nr.PrevHash, nr.Hash, nr.Chain, u.userID, r.Seq); err != nil {
					return err
				}
				prev, after = nr.Hash, r.Seq
				n++
			}
			if len(batch) < rechainBatch {
				break
			}
		}
		_, err := t.exec(ctx, "INSERT INTO audit_keys ("+auditKeyCols+") VALUES (?, ?, ?, ?)",
			u.userID, blob(k.Sealed), k.DEKVersion, micros(k.CreatedAt))
		return err
	})
	// The head this Store remembers changed (or may have).
	u.s.heads.Delete(u.userID)
	if fnErr != nil {
		return 0, fnErr
	}
	if err != nil {
		return 0, fmt.Errorf("key audit records: %w", err)
	}
	return n, nil
}

// ReplaceAuditKey is a compare-and-swap on the DEK version that sealed the
// user's audit keys.
func (u *userStore) ReplaceAuditKey(ctx context.Context, dekVersion int, k store.AuditKey) error {
	if err := u.owns(k.UserID); err != nil {
		return fmt.Errorf("replace audit key: %w", err)
	}
	err := u.write(ctx, func(t tx) error {
		return t.execOne(ctx, "UPDATE audit_keys SET sealed = ?, dek_version = ? WHERE user_id = ? AND dek_version = ?",
			blob(k.Sealed), k.DEKVersion, u.userID, dekVersion)
	})
	if err != nil {
		return fmt.Errorf("replace audit key: %w", err)
	}
	return nil
}
