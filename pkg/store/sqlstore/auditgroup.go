package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/mcpgate/mcpgate/pkg/store"
)

// AppendAudits stores the groups' records; see store.Store.AppendAudits.
// With a Pipeline (PostgreSQL) every group goes in one transaction sent
// in one round trip; otherwise several groups share one write transaction
// (SQLite: one WAL sync), and a group alone goes the way AppendAudit
// takes (on SQLite, one statement when the chain head is known).
func (s *Store) AppendAudits(ctx context.Context, groups []store.AuditAppend) {
	switch {
	case len(groups) == 0:
	case s.d.Pipeline != nil:
		s.appendPipelined(ctx, groups)
	case len(groups) == 1 || s.d.ScopeUser != nil:
		s.appendEach(ctx, groups)
	default:
		s.appendShared(ctx, groups)
	}
}

// appendEach stores each group in a transaction of its own.
func (s *Store) appendEach(ctx context.Context, groups []store.AuditAppend) {
	for i := range groups {
		g := &groups[i]
		g.Stored, g.Err = s.User(g.UserID).AppendAudit(ctx, g.Records, g.Hash)
	}
}

// appendShared stores every group in one write transaction, each chained
// to its user's head read in that transaction. If the transaction fails,
// nothing of it was stored, and each group is stored alone, so that one
// group's error (a record naming another user) is that group's only.
func (s *Store) appendShared(ctx context.Context, groups []store.AuditAppend) {
	out := make([][]store.AuditRecord, len(groups))
	err := s.runHot(ctx, nil, func(t tx) error {
		for i, g := range groups {
			u := &userStore{s: s, userID: g.UserID}
			if u.userID == "" || len(g.Records) == 0 {
				return errors.New("an audit group without a user or records")
			}
			recs, err := u.appendIn(ctx, t, g.Records, g.Hash)
			if err != nil {
				return err
			}
			out[i] = recs
		}
		return nil
	})
	if err != nil {
		for _, g := range groups {
			s.heads.Delete(g.UserID)
		}
		s.appendEach(ctx, groups)
		return
	}
	for i := range groups {
		groups[i].Stored = out[i]
		s.heads.Store(groups[i].UserID, out[i][len(out[i])-1].Hash)
	}
}

// appendPipelined stores every group in one pipelined transaction: per
// user, the append lock, then each record inserted only if it chains to
// the head (see insertIfHead), the head being the one this Store last
// wrote or, for a user it has not written yet, one read first (one more
// round trip, for all such users at once). A group whose head had moved
// (another process appended) inserted nothing and is stored alone the
// long way, which reads the head under the lock.
func (s *Store) appendPipelined(ctx context.Context, groups []store.AuditAppend) {
	heads := make([]string, len(groups))
	var reads []Step
	for i, g := range groups {
		if h, ok := s.heads.Load(g.UserID); ok {
			heads[i] = h.(string)
			continue
		}
		reads = append(reads, Step{UserID: g.UserID, SQL: s.d.rebind("SELECT " + chainHead), Args: []any{g.UserID, g.UserID},
			Rows: func(r Rows) error {
				for r.Next() {
					if err := r.Scan(&heads[i]); err != nil {
						return err
					}
				}
				return nil
			}})
	}
	if len(reads) > 0 {
		if err := s.d.Pipeline(ctx, s.db, reads); err != nil {
			s.appendEach(ctx, groups)
			return
		}
	}
	// Users in a fixed order, so that two processes appending for the
	// same users take their locks in the same order.
	order := make([]int, len(groups))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return strings.Compare(groups[a].UserID, groups[b].UserID) })
	chained := make([][]store.AuditRecord, len(groups))
	insert := s.d.rebind("INSERT INTO audit_records (" + auditFields + ") SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ? WHERE " +
		chainHead + " = ? RETURNING seq")
	var steps []Step
	for _, i := range order {
		g := &groups[i]
		u := &userStore{s: s, userID: g.UserID}
		prev := heads[i]
		recs := make([]store.AuditRecord, len(g.Records))
		for j, r := range g.Records {
			if g.Err = u.owns(r.UserID); g.Err != nil {
				g.Err = fmt.Errorf("append audit records: %w", g.Err)
				break
			}
			recs[j] = u.chained(r, prev, g.Hash)
			prev = recs[j].Hash
		}
		if g.Err != nil || g.UserID == "" {
			if g.Err == nil {
				g.Err = errors.New("append audit records: a group without a user")
			}
			continue
		}
		chained[i] = recs
		for j := range recs {
			r := &recs[j]
			st := Step{UserID: g.UserID, SQL: insert, Args: []any{r.UserID, micros(r.Time), r.KeyID, r.Tool, r.Arguments, r.Decision,
				r.Rule, r.Outcome, r.Error, r.LatencyUS, r.PrevHash, r.Hash, r.Chain, g.UserID, g.UserID, r.PrevHash},
				Rows: func(rows Rows) error {
					for rows.Next() {
						if err := rows.Scan(&r.Seq); err != nil {
							return err
						}
					}
					return nil
				}}
			if j == 0 {
				st.Lock = "mcpgate:audit:" + g.UserID
			}
			steps = append(steps, st)
		}
	}
	if len(steps) == 0 {
		return
	}
	err := s.d.Pipeline(ctx, s.db, steps)
	for i := range groups {
		g := &groups[i]
		if chained[i] == nil {
			continue
		}
		if err != nil {
			s.heads.Delete(g.UserID)
			if errors.Is(err, ErrNotCommitted) {
				g.Stored, g.Err = s.User(g.UserID).AppendAudit(ctx, g.Records, g.Hash)
			} else {
				g.Err = fmt.Errorf("append audit records: %w", s.translate(err))
			}
			continue
		}
		switch n := countStored(chained[i]); n {
		case len(chained[i]):
			g.Stored = chained[i]
			s.heads.Store(g.UserID, g.Stored[n-1].Hash)
		case 0: // the head had moved: nothing of the group was written
			s.heads.Delete(g.UserID)
			g.Stored, g.Err = s.User(g.UserID).AppendAudit(ctx, g.Records, g.Hash)
		default: // cannot happen under the lock; never append twice
			s.heads.Delete(g.UserID)
			g.Err = fmt.Errorf("append audit records: %d of %d records stored, the chain head moved under the lock", n, len(chained[i]))
		}
	}
}

func countStored(recs []store.AuditRecord) int {
	n := 0
	for _, r := range recs {
		if r.Seq != 0 {
			n++
		}
	}
	return n
}
