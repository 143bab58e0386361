package storetest

import (
	"testing"
	"time"

	"github.com/mcpgate/mcpgate/pkg/store"
)

// moreAttacks are the attacks on what schema version 2 added: DEK
// versions, compare-and-swap updates, policy deletion, rate counters,
// audit walks and anchors. The harness checks bob's rows afterwards,
// his rate counter included.
var moreAttacks = []attack{
	{"deks", "read a version", func(t *testing.T, f *fixture, alice, _ rows) {
		got, err := f.a.ListDEKs(t.Context())
		must(t, err)
		equal(t, "alice's versions", got, alice.deks)
		_, err = f.a.DEKVersion(t.Context(), 3) // bob's only
		wantErr(t, err, store.ErrNotFound)
		one, err := f.a.DEKVersion(t.Context(), 1)
		must(t, err)
		equal(t, "alice's version 1", one, alice.deks[0])
	}},
	{"deks", "add as another user", func(t *testing.T, f *fixture, _, _ rows) {
		if err := f.a.AddDEK(t.Context(), newDEKVersion(f.bob.ID, 4)); err == nil {
			t.Error("alice added a DEK version for bob")
		}
		must(t, f.a.AddDEK(t.Context(), newDEKVersion("", 3))) // bob's version 3 is not in her way
	}},
	{"deks", "delete", func(t *testing.T, f *fixture, _, _ rows) {
		wantErr(t, f.a.DeleteDEK(t.Context(), 3), store.ErrNotFound)
		wantErr(t, f.a.DeleteDEK(t.Context(), 1), store.ErrInUse) // her own connections use it
	}},
	{"deks", "replace another user's by naming them", func(t *testing.T, f *fixture, _, bob rows) {
		// Privileged is the only path that may; this checks it touches one row.
		old := bob.deks[0]
		updated := old
		updated.KEKID, updated.Wrapped = "local:2", []byte("rewrapped")
		must(t, f.priv.ReplaceDEK(t.Context(), old, updated))
		must(t, f.priv.ReplaceDEK(t.Context(), updated, old))
	}},

	{"connections", "compare-and-swap update", func(t *testing.T, f *fixture, _, bob rows) {
		for _, c := range bob.conns {
			c.Credential = []byte("attacker's")
			wantErr(t, f.a.UpdateConnectionIf(t.Context(), c, c.UpdatedAt), store.ErrNotFound)
			c.UserID = ""
			wantErr(t, f.a.UpdateConnectionIf(t.Context(), c, c.UpdatedAt), store.ErrNotFound)
		}
	}},

	{"policies", "delete", func(t *testing.T, f *fixture, _, bob rows) {
		wantErr(t, f.a.DeletePolicy(t.Context(), bob.keys[0].ID), store.ErrNotFound)
		must(t, f.a.DeletePolicy(t.Context(), "")) // alice's default, not bob's
	}},

	{"rate_counters", "hit another user's window", func(t *testing.T, f *fixture, _, bob rows) {
		h := bob.rate
		h.Limit = rateCount
		hit(t, f.a, h, 1, true) // a counter of her own
		hit(t, f.a, h, 2, true)
		hit(t, f.a, h, 2, false)
	}},
	{"rate_counters", "delete another user's old windows", func(t *testing.T, f *fixture, _, bob rows) {
		h := bob.rate
		h.WindowStart = h.WindowStart.Add(48 * time.Hour) // opening it deletes alice's older windows
		hit(t, f.a, h, 1, true)
	}},

	{"audit_records", "walk", func(t *testing.T, f *fixture, alice, bob rows) {
		var got []store.AuditRecord
		must(t, f.a.EachAudit(t.Context(), store.AuditFilter{Ascending: true}, collect(&got)))
		equal(t, "alice's records", got, alice.audit)
		got = nil
		must(t, f.a.EachAudit(t.Context(), store.AuditFilter{KeyID: bob.keys[0].ID}, collect(&got)))
		equal(t, "records under bob's key", len(got), 0)
	}},

	{"audit_anchors", "read", func(t *testing.T, f *fixture, alice, _ rows) {
		got, err := f.a.AuditAnchor(t.Context())
		must(t, err)
		equal(t, "alice's anchor", got, alice.anchor)
	}},
	{"audit_anchors", "prune", func(t *testing.T, f *fixture, alice, _ rows) {
		prune(t, f.a, 1_000_000, int64(len(alice.audit)))
		last := alice.audit[len(alice.audit)-1]
		got, err := f.a.AuditAnchor(t.Context())
		must(t, err)
		equal(t, "alice's anchor", got, store.AuditAnchor{UserID: f.alice.ID, Seq: last.Seq, Hash: last.Hash,
			Pruned: alice.anchor.Pruned + int64(len(alice.audit))})
	}},
}
