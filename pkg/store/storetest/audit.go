package storetest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/mcpgate/mcpgate/pkg/store"
)

// checkChain fails unless recs, oldest first, form one unbroken chain from
// the start with increasing sequence numbers.
func checkChain(t *testing.T, recs []store.AuditRecord) {
	t.Helper()
	checkChainFrom(t, store.AuditAnchor{}, recs)
}

// checkChainFrom is checkChain for records that follow anchor.
func checkChainFrom(t *testing.T, anchor store.AuditAnchor, recs []store.AuditRecord) {
	t.Helper()
	prev, seq := anchor.Hash, anchor.Seq
	for i, r := range recs {
		if r.PrevHash != prev {
			t.Fatalf("record %d (seq %d): prev hash %q, want %q", i, r.Seq, r.PrevHash, prev)
		}
		unhashed := r
		unhashed.Seq, unhashed.Hash = 0, ""
		if want := chainHash(prev, unhashed); r.Hash != want {
			t.Fatalf("record %d (seq %d): hash %q, want %q", i, r.Seq, r.Hash, want)
		}
		if r.Seq <= seq {
			t.Fatalf("record %d: seq %d does not follow %d", i, r.Seq, seq)
		}
		prev, seq = r.Hash, r.Seq
	}
}

func oldestFirst(t *testing.T, us store.UserStore) []store.AuditRecord {
	t.Helper()
	recs, err := us.ListAudit(t.Context(), store.AuditFilter{})
	must(t, err)
	slices.Reverse(recs)
	return recs
}

func tools(recs []store.AuditRecord) []string {
	var out []string
	for _, r := range recs {
		out = append(out, r.Tool)
	}
	return out
}

func (h harness) audit(t *testing.T) {
	h.runCases(t, []testCase{
		{"append chains the records and returns them as stored", func(t *testing.T, f *fixture) {
			got, err := f.a.AppendAudit(t.Context(), []store.AuditRecord{newAudit("a", 1), newAudit("b", 2), newAudit("c", 3)}, chainHash)
			must(t, err)
			checkChain(t, got)
			equal(t, "listed", oldestFirst(t, f.a), got)
			equal(t, "owner", got[0].UserID, f.alice.ID)
		}},
		{"the chain continues across appends", func(t *testing.T, f *fixture) {
			for i := range 3 {
				_, err := f.a.AppendAudit(t.Context(), []store.AuditRecord{newAudit(fmt.Sprint(i), i)}, chainHash)
				must(t, err)
			}
			checkChain(t, oldestFirst(t, f.a))
		}},
		{"the hash covers the record as stored, not as given", func(t *testing.T, f *fixture) {
			r := newAudit("a", 1)
			r.Time = time.Date(2025, 1, 1, 0, 0, 0, 123456789, time.FixedZone("X", 3600))
			got, err := f.a.AppendAudit(t.Context(), []store.AuditRecord{r}, chainHash)
			must(t, err)
			listed := oldestFirst(t, f.a)
			equal(t, "listed", listed, got)
			checkChain(t, listed)
			if !listed[0].Time.Equal(r.Time.Truncate(time.Microsecond)) {
				t.Errorf("time %v, want %v", listed[0].Time, r.Time.Truncate(time.Microsecond))
			}
		}},
		{"each user has a chain of their own", func(t *testing.T, f *fixture) {
			_, err := f.a.AppendAudit(t.Context(), []store.AuditRecord{newAudit("a", 1)}, chainHash)
			must(t, err)
			got, err := f.b.AppendAudit(t.Context(), []store.AuditRecord{newAudit("b", 2)}, chainHash)
			must(t, err)
			equal(t, "bob's first prev hash", got[0].PrevHash, "")
		}},
		{"an empty append stores nothing", func(t *testing.T, f *fixture) {
			_, err := f.a.AppendAudit(t.Context(), nil, chainHash)
			must(t, err)
			equal(t, "records", len(oldestFirst(t, f.a)), 0)
		}},
		{"list filters and orders", auditListing},
		{"concurrent appends for one user keep one unbroken chain", func(t *testing.T, f *fixture) {
			const writers, batches = 8, 5
			for _, err := range concurrently(writers, func(w int) error {
				for b := range batches {
					batch := []store.AuditRecord{newAudit(fmt.Sprintf("w%d-b%d-1", w, b), b), newAudit(fmt.Sprintf("w%d-b%d-2", w, b), b)}
					if _, err := f.a.AppendAudit(t.Context(), batch, chainHash); err != nil {
						return err
					}
				}
				return nil
			}) {
				must(t, err)
			}
			recs := oldestFirst(t, f.a)
			equal(t, "records", len(recs), writers*batches*2)
			checkChain(t, recs)
		}},
	})
}

func auditListing(t *testing.T, f *fixture) {
	recs := []store.AuditRecord{newAudit("t1", 1), newAudit("t2", 2), newAudit("t1", 3), newAudit("t3", 4)}
	recs[3].KeyID = "k2"
	recs[1].Decision, recs[1].Outcome = "deny", "denied"
	recs[2].Outcome = "error"
	stored, err := f.a.AppendAudit(t.Context(), recs, chainHash)
	must(t, err)
	cases := []struct {
		name   string
		filter store.AuditFilter
		want   []string
	}{
		{"no filter is newest first", store.AuditFilter{}, []string{"t3", "t1", "t2", "t1"}},
		{"limit keeps the newest", store.AuditFilter{Limit: 2}, []string{"t3", "t1"}},
		{"after a seq is oldest first", store.AuditFilter{AfterSeq: stored[0].Seq}, []string{"t2", "t1", "t3"}},
		{"after a seq with a limit keeps the oldest", store.AuditFilter{AfterSeq: stored[0].Seq, Limit: 1}, []string{"t2"}},
		{"after the last seq is empty", store.AuditFilter{AfterSeq: stored[3].Seq}, nil},
		{"since is inclusive", store.AuditFilter{Since: at(3)}, []string{"t3", "t1"}},
		{"until is exclusive", store.AuditFilter{Until: at(3)}, []string{"t2", "t1"}},
		{"tool matches exactly", store.AuditFilter{Tool: "t1"}, []string{"t1", "t1"}},
		{"key matches exactly", store.AuditFilter{KeyID: "k2"}, []string{"t3"}},
		{"filters combine", store.AuditFilter{Tool: "t1", Since: at(2), KeyID: "k1"}, []string{"t1"}},
		{"decision matches exactly", store.AuditFilter{Decision: "deny"}, []string{"t2"}},
		{"outcome matches exactly", store.AuditFilter{Outcome: "error"}, []string{"t1"}},
		{"ascending is oldest first", store.AuditFilter{Ascending: true}, []string{"t1", "t2", "t1", "t3"}},
		{"ascending with a limit keeps the oldest", store.AuditFilter{Ascending: true, Limit: 2}, []string{"t1", "t2"}},
		{"ascending combines with filters", store.AuditFilter{Ascending: true, Outcome: "ok", Since: at(2)}, []string{"t3"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := f.a.ListAudit(t.Context(), tc.filter)
			must(t, err)
			equal(t, "tools", tools(got), tc.want)
			var walked []store.AuditRecord
			must(t, f.a.EachAudit(t.Context(), tc.filter, collect(&walked)))
			equal(t, "walked", walked, got)
		})
	}
}
