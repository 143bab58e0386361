package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/mcpgate/mcpgate/pkg/store"
)

const approvalCols = "id, user_id, key_id, tool, rule, args_hash, arguments, sealed, dek_version, status, decided_by, reason, created_at, expires_at, decided_at, used_at"

func scanApproval(sc scanner) (store.Approval, error) {
	var a store.Approval
	var version sql.NullInt64
	var created, expires, decided, used int64
	if err := sc.Scan(&a.ID, &a.UserID, &a.KeyID, &a.Tool, &a.Rule, &a.ArgsHash, &a.Arguments, &a.Sealed, &version,
		&a.Status, &a.DecidedBy, &a.Reason, &created, &expires, &decided, &used); err != nil {
		return store.Approval{}, err
	}
	a.Sealed = unblob(a.Sealed)
	a.DEKVersion = int(version.Int64)
	a.CreatedAt, a.ExpiresAt, a.DecidedAt, a.UsedAt = fromMicros(created), fromMicros(expires), fromMicros(decided), fromMicros(used)
	return a, nil
}

// CreateApproval stores a pending approval.
func (u *userStore) CreateApproval(ctx context.Context, a store.Approval) error {
	if err := u.owns(a.UserID); err != nil {
		return fmt.Errorf("create approval: %w", err)
	}
	if a.ID == "" || a.KeyID == "" || a.Tool == "" || a.ArgsHash == "" {
		return errors.New("create approval: id, key, tool and arguments hash are required")
	}
	var version any
	if len(a.Sealed) > 0 {
		version = a.DEKVersion
	}
	err := u.write(ctx, func(t tx) error {
		if len(a.Sealed) > 0 {
			if err := u.sealable(ctx, t, a.DEKVersion); err != nil {
				return err
			}
		}
		_, err := t.exec(ctx, "INSERT INTO approvals ("+approvalCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
			a.ID, u.userID, a.KeyID, a.Tool, a.Rule, a.ArgsHash, a.Arguments, nullBlob(a.Sealed), version,
			store.ApprovalPending, "", "", micros(a.CreatedAt), micros(a.ExpiresAt), 0, 0)
		return err
	})
	if err != nil {
		return fmt.Errorf("create approval: %w", err)
	}
	return nil
}

// Approval returns one of the user's approvals.
func (u *userStore) Approval(ctx context.Context, id string) (store.Approval, error) {
	a, err := one(ctx, u.read, scanApproval, "SELECT "+approvalCols+" FROM approvals WHERE user_id = ? AND id = ?", u.userID, id)
	if err != nil {
		return store.Approval{}, fmt.Errorf("get approval %q: %w", id, err)
	}
	return a, nil
}

// ListApprovals lists the user's approvals matching f, newest first.
func (u *userStore) ListApprovals(ctx context.Context, f store.ApprovalFilter) ([]store.Approval, error) {
	q := "SELECT " + approvalCols + " FROM approvals WHERE user_id = ?"
	args := []any{u.userID}
	for _, c := range []struct{ col, v string }{
		{"status", f.Status}, {"key_id", f.KeyID}, {"tool", f.Tool}, {"args_hash", f.ArgsHash},
	} {
		if c.v != "" {
			q += " AND " + c.col + " = ?"
			args = append(args, c.v)
		}
	}
	q += " ORDER BY created_at DESC, id"
	if f.Limit > 0 {
		q += " LIMIT ?"
		args = append(args, f.Limit)
	}
	as, err := all(ctx, u.read, scanApproval, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list approvals: %w", err)
	}
	return as, nil
}

// DecideApproval decides a pending approval; the conditions are part of
// the UPDATE, so of two deciders racing, one wins and the other is told.
func (u *userStore) DecideApproval(ctx context.Context, id, status, by, reason string, now time.Time) (store.Approval, error) {
	switch status {
	case store.ApprovalApproved, store.ApprovalDenied, store.ApprovalExpired:
	default:
		return store.Approval{}, fmt.Errorf("decide approval %q: status %q is not a decision", id, status)
	}
	var a store.Approval
	err := u.write(ctx, func(t tx) error {
		res, err := t.exec(ctx, `UPDATE approvals SET status = ?, decided_by = ?, reason = ?, decided_at = ?, sealed = NULL, dek_version = NULL
			WHERE user_id = ? AND id = ? AND status = ? AND (expires_at > ? OR ? = ?)`,
			status, by, reason, micros(now), u.userID, id, store.ApprovalPending, micros(now), status, store.ApprovalExpired)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		a, err = scanApproval(t.queryRow(ctx, "SELECT "+approvalCols+" FROM approvals WHERE user_id = ? AND id = ?", u.userID, id))
		if errors.Is(err, sql.ErrNoRows) {
			return store.ErrNotFound
		}
		if err != nil {
			return err
		}
		if n == 0 {
			return fmt.Errorf("%w: the approval is %s", store.ErrConflict, approvalState(a, now))
		}
		return nil
	})
	if err != nil {
		return store.Approval{}, fmt.Errorf("decide approval %q: %w", id, err)
	}
	return a, nil
}

// approvalState words why an approval cannot be decided any more.
func approvalState(a store.Approval, now time.Time) string {
	if a.Status == store.ApprovalPending && !a.ExpiresAt.After(now) {
		return store.ApprovalExpired
	}
	return a.Status
}

// UseApproval takes one decided, unused, unexpired approval of the call.
func (u *userStore) UseApproval(ctx context.Context, use store.ApprovalUse, now time.Time) (store.Approval, error) {
	var a store.Approval
	err := u.write(ctx, func(t tx) error {
		q := "SELECT " + approvalCols + ` FROM approvals WHERE user_id = ? AND key_id = ? AND tool = ? AND args_hash = ?
			AND status IN (?, ?) AND used_at = 0 AND expires_at > ?`
		args := []any{u.userID, use.KeyID, use.Tool, use.ArgsHash, store.ApprovalApproved, store.ApprovalDenied, micros(now)}
		if use.ID != "" {
			q += " AND id = ?"
			args = append(args, use.ID)
		}
		var err error
		a, err = scanApproval(t.queryRow(ctx, q+" ORDER BY created_at, id LIMIT 1", args...))
		if errors.Is(err, sql.ErrNoRows) {
			return store.ErrNotFound
		}
		if err != nil {
			return err
		}
		// used_at = 0 again: of two processes that read the row, the one
		// whose update finds it still unused has it.
		res, err := t.exec(ctx, "UPDATE approvals SET used_at = ? WHERE user_id = ? AND id = ? AND used_at = 0", micros(now), u.userID, a.ID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			if err == nil {
				err = store.ErrNotFound
			}
			return err
		}
		a.UsedAt = asStored(now)
		return nil
	})
	if err != nil {
		return store.Approval{}, fmt.Errorf("use approval: %w", err)
	}
	return a, nil
}

// CountPendingApprovals counts the user's approvals pending at now.
func (u *userStore) CountPendingApprovals(ctx context.Context, now time.Time) (int64, error) {
	var n int64
	err := u.read(ctx, func(t tx) error {
		return t.queryRow(ctx, "SELECT COUNT(*) FROM approvals WHERE user_id = ? AND status = ? AND expires_at > ?",
			u.userID, store.ApprovalPending, micros(now)).Scan(&n)
	})
	if err != nil {
		return 0, fmt.Errorf("count pending approvals: %w", err)
	}
	return n, nil
}

// DeleteDecidedApprovals deletes the user's approvals decided before
// before; deciding cleared their sealed arguments already.
func (u *userStore) DeleteDecidedApprovals(ctx context.Context, before time.Time) (int64, error) {
	var n int64
	err := u.write(ctx, func(t tx) error {
		res, err := t.exec(ctx, "DELETE FROM approvals WHERE user_id = ? AND status <> ? AND decided_at < ?",
			u.userID, store.ApprovalPending, micros(before))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("delete decided approvals: %w", err)
	}
	return n, nil
}
