package storetest

import (
	"fmt"
	"testing"

	"github.com/mcpgate/mcpgate/pkg/store"
)

// appendAt appends one record per second given, in order, and returns them
// as stored.
func appendAt(t *testing.T, us store.UserStore, secs ...int) []store.AuditRecord {
	t.Helper()
	var recs []store.AuditRecord
	for _, s := range secs {
		recs = append(recs, newAudit(fmt.Sprint("t", s), s))
	}
	got, err := us.AppendAudit(t.Context(), recs, chainHash)
	must(t, err)
	return got
}

func anchorOf(t *testing.T, us store.UserStore) store.AuditAnchor {
	t.Helper()
	a, err := us.AuditAnchor(t.Context())
	must(t, err)
	return a
}

func prune(t *testing.T, us store.UserStore, beforeSec int, want int64) {
	t.Helper()
	n, err := us.PruneAudit(t.Context(), at(beforeSec))
	must(t, err)
	equal(t, fmt.Sprint("pruned before ", beforeSec), n, want)
}

func (h harness) auditPruning(t *testing.T) {
	h.runCases(t, []testCase{
		{"a user who never pruned has the zero anchor", func(t *testing.T, f *fixture) {
			appendAt(t, f.a, 1, 2)
			equal(t, "anchor", anchorOf(t, f.a), store.AuditAnchor{})
		}},
		{"prune deletes the older records and anchors the rest of the chain", func(t *testing.T, f *fixture) {
			recs := appendAt(t, f.a, 1, 2, 3, 4, 5)
			prune(t, f.a, 3, 2)
			anchor := anchorOf(t, f.a)
			equal(t, "anchor", anchor, store.AuditAnchor{UserID: f.alice.ID, Seq: recs[1].Seq, Hash: recs[1].Hash, Pruned: 2})
			kept := oldestFirst(t, f.a)
			equal(t, "kept", kept, recs[2:])
			checkChainFrom(t, anchor, kept)
		}},
		{"pruning again moves the anchor and adds to the count", func(t *testing.T, f *fixture) {
			recs := appendAt(t, f.a, 1, 2, 3, 4, 5)
			prune(t, f.a, 3, 2)
			prune(t, f.a, 5, 2)
			anchor := anchorOf(t, f.a)
			equal(t, "anchor", anchor, store.AuditAnchor{UserID: f.alice.ID, Seq: recs[3].Seq, Hash: recs[3].Hash, Pruned: 4})
			checkChainFrom(t, anchor, oldestFirst(t, f.a))
		}},
		{"nothing older than before prunes nothing", func(t *testing.T, f *fixture) {
			recs := appendAt(t, f.a, 5, 6)
			prune(t, f.a, 5, 0)
			equal(t, "anchor", anchorOf(t, f.a), store.AuditAnchor{})
			equal(t, "kept", oldestFirst(t, f.a), recs)
		}},
		{"a record appended after pruning everything chains to the anchor", func(t *testing.T, f *fixture) {
			recs := appendAt(t, f.a, 1, 2, 3)
			prune(t, f.a, 100, 3)
			equal(t, "records left", len(oldestFirst(t, f.a)), 0)
			anchor := anchorOf(t, f.a)
			equal(t, "anchor hash", anchor.Hash, recs[2].Hash)
			next := appendAt(t, f.a, 101)
			equal(t, "prev hash", next[0].PrevHash, anchor.Hash)
			checkChainFrom(t, anchor, oldestFirst(t, f.a))
		}},
		{"a record older than before that follows a newer one is kept, so the chain stays whole", func(t *testing.T, f *fixture) {
			recs := appendAt(t, f.a, 1, 5, 2, 6) // the clock stepped back after 5
			prune(t, f.a, 3, 1)
			anchor := anchorOf(t, f.a)
			equal(t, "anchor seq", anchor.Seq, recs[0].Seq)
			equal(t, "kept", oldestFirst(t, f.a), recs[1:])
			checkChainFrom(t, anchor, recs[1:])
		}},
		{"pruning one user leaves the other's records and anchor", func(t *testing.T, f *fixture) {
			appendAt(t, f.a, 1, 2)
			bobs := appendAt(t, f.b, 1, 2)
			prune(t, f.a, 100, 2)
			equal(t, "bob's records", oldestFirst(t, f.b), bobs)
			equal(t, "bob's anchor", anchorOf(t, f.b), store.AuditAnchor{})
		}},
		{"pruning while appending keeps one verifiable chain", func(t *testing.T, f *fixture) {
			const writers, batches = 4, 10
			for _, err := range concurrently(writers, func(w int) error {
				for b := range batches {
					if _, err := f.a.AppendAudit(t.Context(), []store.AuditRecord{newAudit(fmt.Sprint(w), b)}, chainHash); err != nil {
						return err
					}
					if _, err := f.a.PruneAudit(t.Context(), at(b)); err != nil {
						return err
					}
				}
				return nil
			}) {
				must(t, err)
			}
			anchor, kept := anchorOf(t, f.a), oldestFirst(t, f.a)
			equal(t, "pruned and kept", anchor.Pruned+int64(len(kept)), int64(writers*batches))
			checkChainFrom(t, anchor, kept)
		}},
	})
}
