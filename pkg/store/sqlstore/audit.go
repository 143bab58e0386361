package sqlstore

import (
	"context"
	"fmt"
	"strings"

	"github.com/mcpgate/mcpgate/pkg/store"
)

// auditFields are the columns an append writes; the store assigns seq.
const (
	auditFields = `user_id, ts, key_id, tool, arguments, decision, rule, outcome, error,
	latency_us, prev_hash, hash, chain`
	auditCols = "seq, " + auditFields
)

func scanAudit(sc scanner) (store.AuditRecord, error) {
	var r store.AuditRecord
	var ts int64
	err := sc.Scan(&r.Seq, &r.UserID, &ts, &r.KeyID, &r.Tool, &r.Arguments, &r.Decision, &r.Rule, &r.Outcome, &r.Error,
		&r.LatencyUS, &r.PrevHash, &r.Hash, &r.Chain)
	if err != nil {
		return store.AuditRecord{}, err
	}
	r.Time = fromMicros(ts)
	return r, nil
}

// chainHead is the hash a user's next record chains to: the latest
// record's or, when pruning left none, the anchor's that stands for the
// deleted ones (empty for a chain not begun).
const chainHead = `COALESCE(
	(SELECT hash FROM audit_records WHERE user_id = ? ORDER BY seq DESC LIMIT 1),
	(SELECT hash FROM audit_anchors WHERE user_id = ?), '')`

// AppendAudit chains recs to the user's chain head and stores them in one
// transaction. Appends for one user are serialised (Dialect.Lock, or
// SQLite's write lock), so concurrent calls cannot fork the chain.
//
// hash sees each record as it will be read back: UserID set, Time at
// microsecond precision in UTC, PrevHash and Chain set (Chain 0 becomes
// 1), Seq and Hash empty.
func (u *userStore) AppendAudit(ctx context.Context, recs []store.AuditRecord, hash func(prev string, r store.AuditRecord) string) ([]store.AuditRecord, error) {
	if len(recs) == 0 {
		return nil, nil
	}
	if len(recs) == 1 && u.s.d.OneStatementAppend {
		if r, done, err := u.appendToKnownHead(ctx, recs[0], hash); done {
			if err != nil {
				return nil, fmt.Errorf("append audit records: %w", err)
			}
			return []store.AuditRecord{r}, nil
		}
	}
	var out []store.AuditRecord
	err := u.writeHot(ctx, func(t tx) error {
		var err error
		out, err = u.appendIn(ctx, t, recs, hash)
		return err
	})
	if err != nil {
		u.s.heads.Delete(u.userID)
		return nil, fmt.Errorf("append audit records: %w", err)
	}
	u.s.heads.Store(u.userID, out[len(out)-1].Hash)
	return out, nil
}

// appendIn appends recs in t, the long way: it takes the user's append
// lock, reads the chain head and inserts each record after it.
func (u *userStore) appendIn(ctx context.Context, t tx, recs []store.AuditRecord, hash func(prev string, r store.AuditRecord) string) ([]store.AuditRecord, error) {
	if err := t.lock(ctx, "audit:"+u.userID); err != nil {
		return nil, err
	}
	var prev string
	if err := t.queryRow(ctx, "SELECT "+chainHead, u.userID, u.userID).Scan(&prev); err != nil {
		return nil, fmt.Errorf("read chain head: %w", err)
	}
	out := make([]store.AuditRecord, len(recs))
	for i, r := range recs {
		if err := u.owns(r.UserID); err != nil {
			return nil, err
		}
		r = u.chained(r, prev, hash)
		err := t.queryRow(ctx, "INSERT INTO audit_records ("+auditFields+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING seq",
			r.UserID, micros(r.Time), r.KeyID, r.Tool, r.Arguments, r.Decision, r.Rule, r.Outcome, r.Error,
			r.LatencyUS, r.PrevHash, r.Hash, r.Chain).Scan(&r.Seq)
		if err != nil {
			return nil, err
		}
		out[i], prev = r, r.Hash
	}
	return out, nil
}

// chained is r as it is stored after prev, with its hash.
func (u *userStore) chained(r store.AuditRecord, prev string, hash func(prev string, r store.AuditRecord) string) store.AuditRecord {
	r.Seq, r.UserID, r.Time, r.PrevHash, r.Hash = 0, u.userID, asStored(r.Time), prev, ""
	if r.Chain == 0 {
		r.Chain = 1
	}
	r.Hash = hash(prev, r)
	return r
}

// appendToKnownHead stores r after the head this Store last wrote for the
// user, in one statement that inserts only if that is still the head
// (Dialect.OneStatementAppend: the statement is serialised with every
// other writer, and on a stale snapshot it fails rather than writes). It
// reports done false, having written nothing, when the head is unknown,
// has moved (another process appended, or the records were tampered with)
// or the statement failed before returning its row; the caller then
// appends the long way, which reads the head and reports any real error.
// An error after the row came back is returned with done true: the
// record may be stored, and a second append could store it twice.
func (u *userStore) appendToKnownHead(ctx context.Context, r store.AuditRecord, hash func(prev string, r store.AuditRecord) string) (store.AuditRecord, bool, error) {
	head, ok := u.s.heads.Load(u.userID)
	if !ok || u.owns(r.UserID) != nil {
		return r, false, nil
	}
	r = u.chained(r, head.(string), hash)
	seq, err := u.insertIfHead(ctx, r)
	if seq == 0 || err != nil {
		u.s.heads.Delete(u.userID)
		return r, seq != 0, err
	}
	r.Seq = seq
	u.s.heads.Store(u.userID, r.Hash)
	return r, true, nil
}

// insertIfHead runs the one-statement append of r, returning its seq, or
// 0 if r.PrevHash is not the head (or the statement failed before its
// row). The statement is stepped to its end, not only to its row: SQLite
// runs its WAL hook, and so the automatic checkpoint that keeps the WAL
// from growing without bound, only when a statement finishes.
func (u *userStore) insertIfHead(ctx context.Context, r store.AuditRecord) (int64, error) {
	rows, err := tx{d: u.s.d, s: u.s}.query(ctx, "INSERT INTO audit_records ("+auditFields+") SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ? WHERE "+
		chainHead+" = ? RETURNING seq",
		r.UserID, micros(r.Time), r.KeyID, r.Tool, r.Arguments, r.Decision, r.Rule, r.Outcome, r.Error,
		r.LatencyUS, r.PrevHash, r.Hash, r.Chain, u.userID, u.userID, r.PrevHash)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	var seq int64
	for rows.Next() {
		if err := rows.Scan(&seq); err != nil {
			return seq, err
		}
	}
	return seq, rows.Err()
}

// ListAudit returns the user's records matching f; see auditQuery.
func (u *userStore) ListAudit(ctx context.Context, f store.AuditFilter) ([]store.AuditRecord, error) {
	var recs []store.AuditRecord
	err := u.EachAudit(ctx, f, func(r store.AuditRecord) error {
		recs = append(recs, r)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return recs, nil
}

// EachAudit calls fn for each of the user's records matching f.
func (u *userStore) EachAudit(ctx context.Context, f store.AuditFilter, fn func(store.AuditRecord) error) error {
	return eachAudit(ctx, u.read, f, fn, "user_id = ?", u.userID)
}

// EachAudit calls fn for each record of every user matching f.
func (p *privileged) EachAudit(ctx context.Context, f store.AuditFilter, fn func(store.AuditRecord) error) error {
	return eachAudit(ctx, p.read, f, fn, "")
}

// eachAudit streams the records matching f and the condition scope (none
// if "") through fn, one row at a time. An error of fn is returned as it
// is, not as a store error.
func eachAudit(ctx context.Context, run runner, f store.AuditFilter, fn func(store.AuditRecord) error, scope string, scopeArgs ...any) error {
	q, args := auditQuery(f, scope, scopeArgs)
	var fnErr error
	err := run(ctx, func(t tx) error {
		rows, err := t.query(ctx, q, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			r, err := scanAudit(rows)
			if err != nil {
				return err
			}
			if fnErr = fn(r); fnErr != nil {
				return fnErr
			}
		}
		return rows.Err()
	})
	if fnErr != nil {
		return fnErr
	}
	if err != nil {
		return fmt.Errorf("list audit records: %w", err)
	}
	return nil
}

// auditQuery selects the records matching f: newest first or, when
// f.Ascending or f.AfterSeq is set, oldest first (for export, verify and
// tailing), so Limit keeps the newest or the oldest. Since is inclusive,
// Until exclusive; Tool, KeyID, Decision and Outcome match exactly; Limit
// 0 means no limit.
func auditQuery(f store.AuditFilter, scope string, scopeArgs []any) (string, []any) {
	var conds []string
	args := append([]any(nil), scopeArgs...)
	if scope != "" {
		conds = append(conds, scope)
	}
	where := func(cond string, arg any) {
		conds = append(conds, cond)
		args = append(args, arg)
	}
	if !f.Since.IsZero() {
		where("ts >= ?", micros(f.Since))
	}
	if !f.Until.IsZero() {
		where("ts < ?", micros(f.Until))
	}
	for _, c := range []struct{ col, val string }{
		{"key_id", f.KeyID}, {"tool", f.Tool}, {"decision", f.Decision}, {"outcome", f.Outcome},
	} {
		if c.val != "" {
			where(c.col+" = ?", c.val)
		}
	}
	if f.AfterSeq > 0 {
		where("seq > ?", f.AfterSeq)
	}
	q := "SELECT " + auditCols + " FROM audit_records"
	if len(conds) > 0 {
		q += " WHERE " + strings.Join(conds, " AND ")
	}
	if f.Ascending || f.AfterSeq > 0 {
		q += " ORDER BY seq"
	} else {
		q += " ORDER BY seq DESC"
	}
	if f.Limit > 0 {
		q += " LIMIT ?"
		args = append(args, f.Limit)
	}
	return q, args
}
