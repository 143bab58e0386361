package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/mcpgate/mcpgate/pkg/store"
)

// auditFields are the columns an append writes; the store assigns seq.
const (
	auditFields = `user_id, ts, key_id, tool, arguments, decision, rule, outcome, error,
	latency_us, prev_hash, hash`
	auditCols = "seq, " + auditFields
)

func scanAudit(sc scanner) (store.AuditRecord, error) {
	var r store.AuditRecord
	var ts int64
	err := sc.Scan(&r.Seq, &r.UserID, &ts, &r.KeyID, &r.Tool, &r.Arguments, &r.Decision, &r.Rule, &r.Outcome, &r.Error,
		&r.LatencyUS, &r.PrevHash, &r.Hash)
	if err != nil {
		return store.AuditRecord{}, err
	}
	r.Time = fromMicros(ts)
	return r, nil
}

// AppendAudit chains recs to the user's latest record and stores them in
// one transaction. Appends for one user are serialised (Dialect.Lock, or
// SQLite's write lock), so concurrent calls cannot fork the chain.
//
// hash sees each record as it will be read back: UserID set, Time at
// microsecond precision in UTC, PrevHash set, Seq and Hash empty.
func (u *userStore) AppendAudit(ctx context.Context, recs []store.AuditRecord, hash func(prev string, r store.AuditRecord) string) ([]store.AuditRecord, error) {
	if len(recs) == 0 {
		return nil, nil
	}
	out := make([]store.AuditRecord, len(recs))
	err := u.write(ctx, func(t tx) error {
		if err := t.lock(ctx, "audit:"+u.userID); err != nil {
			return err
		}
		var prev string
		err := t.queryRow(ctx, "SELECT hash FROM audit_records WHERE user_id = ? ORDER BY seq DESC LIMIT 1", u.userID).Scan(&prev)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("read chain head: %w", err)
		}
		for i, r := range recs {
			if err := u.owns(r.UserID); err != nil {
				return err
			}
			r.Seq, r.UserID, r.Time, r.PrevHash, r.Hash = 0, u.userID, asStored(r.Time), prev, ""
			r.Hash = hash(prev, r)
			err := t.queryRow(ctx, "INSERT INTO audit_records ("+auditFields+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING seq",
				r.UserID, micros(r.Time), r.KeyID, r.Tool, r.Arguments, r.Decision, r.Rule, r.Outcome, r.Error,
				r.LatencyUS, r.PrevHash, r.Hash).Scan(&r.Seq)
			if err != nil {
				return err
			}
			out[i], prev = r, r.Hash
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("append audit records: %w", err)
	}
	return out, nil
}

// ListAudit returns the user's records newest first or, when f.AfterSeq is
// set, oldest first from just after it (for tailing). Since is inclusive,
// Until exclusive; Tool and KeyID match exactly; Limit 0 means no limit.
func (u *userStore) ListAudit(ctx context.Context, f store.AuditFilter) ([]store.AuditRecord, error) {
	var q strings.Builder
	q.WriteString("SELECT " + auditCols + " FROM audit_records WHERE user_id = ?")
	args := []any{u.userID}
	where := func(cond string, arg any) {
		q.WriteString(" AND " + cond)
		args = append(args, arg)
	}
	if !f.Since.IsZero() {
		where("ts >= ?", micros(f.Since))
	}
	if !f.Until.IsZero() {
		where("ts < ?", micros(f.Until))
	}
	if f.KeyID != "" {
		where("key_id = ?", f.KeyID)
	}
	if f.Tool != "" {
		where("tool = ?", f.Tool)
	}
	if f.AfterSeq > 0 {
		where("seq > ?", f.AfterSeq)
		q.WriteString(" ORDER BY seq")
	} else {
		q.WriteString(" ORDER BY seq DESC")
	}
	if f.Limit > 0 {
		q.WriteString(" LIMIT ?")
		args = append(args, f.Limit)
	}
	recs, err := all(ctx, u.read, scanAudit, q.String(), args...)
	if err != nil {
		return nil, fmt.Errorf("list audit records: %w", err)
	}
	return recs, nil
}
