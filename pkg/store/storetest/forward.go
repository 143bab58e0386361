package storetest

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/mcpgate/mcpgate/pkg/store"
)

func cursorOf(t *testing.T, us store.UserStore, sink string) store.AuditCursor {
	t.Helper()
	c, err := us.AuditCursor(t.Context(), sink)
	must(t, err)
	return c
}

func backlog(t *testing.T, us store.UserStore, sink string) int64 {
	t.Helper()
	n, err := us.AuditBacklog(t.Context(), sink)
	must(t, err)
	return n
}

func (h harness) auditForward(t *testing.T) {
	h.runCases(t, []testCase{
		{"a sink that sent nothing has the zero cursor and every record as backlog", func(t *testing.T, f *fixture) {
			appendAt(t, f.a, 1, 2, 3)
			equal(t, "cursor", cursorOf(t, f.a, "siem"), store.AuditCursor{UserID: f.alice.ID, Sink: "siem"})
			equal(t, "backlog", backlog(t, f.a, "siem"), int64(3))
			equal(t, "bob's backlog", backlog(t, f.b, "siem"), int64(0))
		}},
		{"advancing the cursor keeps it and shrinks the backlog, per sink", func(t *testing.T, f *fixture) {
			recs := appendAt(t, f.a, 1, 2, 3)
			c := store.AuditCursor{UserID: f.alice.ID, Sink: "siem", Seq: recs[1].Seq, Hash: recs[1].Hash, Count: 2}
			must(t, f.a.AdvanceAuditCursor(t.Context(), 0, c))
			equal(t, "cursor", cursorOf(t, f.a, "siem"), c)
			equal(t, "backlog", backlog(t, f.a, "siem"), int64(1))
			equal(t, "other sink's backlog", backlog(t, f.a, "hook"), int64(3))
			next := store.AuditCursor{UserID: f.alice.ID, Sink: "siem", Seq: recs[2].Seq, Hash: recs[2].Hash, Count: 3}
			must(t, f.a.AdvanceAuditCursor(t.Context(), c.Seq, next))
			equal(t, "cursor", cursorOf(t, f.a, "siem"), next)
			equal(t, "backlog", backlog(t, f.a, "siem"), int64(0))
		}},
		{"a cursor moved by another forwarder is a conflict and stays as it is", func(t *testing.T, f *fixture) {
			recs := appendAt(t, f.a, 1, 2, 3)
			c := store.AuditCursor{UserID: f.alice.ID, Sink: "siem", Seq: recs[1].Seq, Hash: recs[1].Hash, Count: 2}
			must(t, f.a.AdvanceAuditCursor(t.Context(), 0, c))
			stale := store.AuditCursor{UserID: f.alice.ID, Sink: "siem", Seq: recs[0].Seq, Hash: recs[0].Hash, Count: 1}
			if err := f.a.AdvanceAuditCursor(t.Context(), 0, stale); !errors.Is(err, store.ErrConflict) {
				t.Fatalf("advance from nothing again: got %v, want ErrConflict", err)
			}
			late := store.AuditCursor{UserID: f.alice.ID, Sink: "siem", Seq: recs[2].Seq, Hash: recs[2].Hash, Count: 3}
			if err := f.a.AdvanceAuditCursor(t.Context(), recs[0].Seq, late); !errors.Is(err, store.ErrConflict) {
				t.Fatalf("advance from a stale seq: got %v, want ErrConflict", err)
			}
			equal(t, "cursor", cursorOf(t, f.a, "siem"), c)
		}},
		{"a cursor cannot go back or stand still", func(t *testing.T, f *fixture) {
			recs := appendAt(t, f.a, 1, 2)
			c := store.AuditCursor{UserID: f.alice.ID, Sink: "siem", Seq: recs[1].Seq, Hash: recs[1].Hash, Count: 2}
			must(t, f.a.AdvanceAuditCursor(t.Context(), 0, c))
			if err := f.a.AdvanceAuditCursor(t.Context(), c.Seq, c); err == nil {
				t.Fatal("advancing to the same seq succeeded")
			}
		}},
		{"a user cannot read or move another user's cursor", func(t *testing.T, f *fixture) {
			recs := appendAt(t, f.a, 1)
			c := store.AuditCursor{UserID: f.alice.ID, Sink: "siem", Seq: recs[0].Seq, Hash: recs[0].Hash, Count: 1}
			must(t, f.a.AdvanceAuditCursor(t.Context(), 0, c))
			equal(t, "bob's cursor", cursorOf(t, f.b, "siem"), store.AuditCursor{UserID: f.bob.ID, Sink: "siem"})
			if err := f.b.AdvanceAuditCursor(t.Context(), 0, c); err == nil {
				t.Fatal("bob moved alice's cursor")
			}
			equal(t, "alice's cursor", cursorOf(t, f.a, "siem"), c)
		}},
		{"deleting a user deletes its cursors", func(t *testing.T, f *fixture) {
			recs := appendAt(t, f.b, 1)
			must(t, f.b.AdvanceAuditCursor(t.Context(), 0, store.AuditCursor{UserID: f.bob.ID, Sink: "siem", Seq: recs[0].Seq, Hash: recs[0].Hash, Count: 1}))
			must(t, f.priv.DeleteUser(t.Context(), f.bob.ID))
			equal(t, "cursor", cursorOf(t, f.b, "siem"), store.AuditCursor{UserID: f.bob.ID, Sink: "siem"})
		}},
		{"a lease has one holder until it expires or is released", func(t *testing.T, f *fixture) {
			now := time.Now()
			took := func(holder string, at time.Time) bool {
				ok, err := f.st.TakeLease(t.Context(), "forward", holder, at, time.Minute)
				must(t, err)
				return ok
			}
			equal(t, "first takes it", took("r1", now), true)
			equal(t, "second is refused", took("r2", now.Add(time.Second)), false)
			equal(t, "the holder renews it", took("r1", now.Add(30*time.Second)), true)
			equal(t, "second is refused before the renewal expires", took("r2", now.Add(80*time.Second)), false)
			equal(t, "second takes it once expired", took("r2", now.Add(91*time.Second)), true)
			equal(t, "first is refused now", took("r1", now.Add(92*time.Second)), false)
			must(t, f.st.ReleaseLease(t.Context(), "forward", "r1")) // not its own: nothing happens
			equal(t, "first is still refused", took("r1", now.Add(93*time.Second)), false)
			must(t, f.st.ReleaseLease(t.Context(), "forward", "r2"))
			equal(t, "first takes it once released", took("r1", now.Add(94*time.Second)), true)
			other, err := f.st.TakeLease(t.Context(), "other", "r2", now.Add(94*time.Second), time.Minute)
			must(t, err)
			equal(t, "another lease is free", other, true)
		}},
		{"of racing takers exactly one holds the lease", func(t *testing.T, f *fixture) {
			now := time.Now()
			var wg sync.WaitGroup
			var mu sync.Mutex
			held := 0
			for i := range 8 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					ok, err := f.st.TakeLease(t.Context(), "race", string(rune('a'+i)), now, time.Minute)
					if err != nil {
						t.Error(err)
					}
					if ok {
						mu.Lock()
						held++
						mu.Unlock()
					}
				}()
			}
			wg.Wait()
			equal(t, "holders", held, 1)
		}},
	})
}
