package storetest

import (
	"errors"
	"fmt"
	"testing"

	"github.com/mcpgate/mcpgate/pkg/store"
)

// auditGroups checks Store.AppendAudits, which commits the records of
// several users together (the audit writer's group commit across users).
func (h harness) auditGroups(t *testing.T) {
	h.runCases(t, []testCase{
		{"each user's records chain to that user's head", func(t *testing.T, f *fixture) {
			first, err := f.a.AppendAudit(t.Context(), []store.AuditRecord{newAudit("a0", 0)}, chainHash)
			must(t, err)
			groups := []store.AuditAppend{
				{UserID: f.alice.ID, Records: []store.AuditRecord{newAudit("a1", 1), newAudit("a2", 2)}, Hash: chainHash},
				{UserID: f.bob.ID, Records: []store.AuditRecord{newAudit("b1", 1), newAudit("b2", 2), newAudit("b3", 3)}, Hash: chainHash},
			}
			f.st.AppendAudits(t.Context(), groups)
			for _, g := range groups {
				must(t, g.Err)
			}
			alice, bob := oldestFirst(t, f.a), oldestFirst(t, f.b)
			checkChain(t, alice)
			checkChain(t, bob)
			equal(t, "alice's records", alice, append(first, groups[0].Stored...))
			equal(t, "bob's records", bob, groups[1].Stored)
			equal(t, "bob's owner", bob[0].UserID, f.bob.ID)
		}},
		{"a group naming another user fails alone", func(t *testing.T, f *fixture) {
			stray := newAudit("stray", 1)
			stray.UserID = f.bob.ID
			groups := []store.AuditAppend{
				{UserID: f.alice.ID, Records: []store.AuditRecord{newAudit("a1", 1), stray}, Hash: chainHash},
				{UserID: f.bob.ID, Records: []store.AuditRecord{newAudit("b1", 1)}, Hash: chainHash},
			}
			f.st.AppendAudits(t.Context(), groups)
			wantErr(t, groups[0].Err, store.ErrNotFound)
			must(t, groups[1].Err)
			equal(t, "alice's records", len(oldestFirst(t, f.a)), 0)
			equal(t, "bob's records", tools(oldestFirst(t, f.b)), []string{"b1"})
		}},
		{"concurrent appends across users keep every chain", func(t *testing.T, f *fixture) {
			const writers, rounds = 8, 5
			for _, err := range concurrently(writers, func(w int) error {
				for r := range rounds {
					groups := []store.AuditAppend{
						{UserID: f.alice.ID, Records: []store.AuditRecord{newAudit(fmt.Sprintf("w%d-r%d", w, r), r)}, Hash: chainHash},
						{UserID: f.bob.ID, Records: []store.AuditRecord{newAudit(fmt.Sprintf("w%d-r%d", w, r), r)}, Hash: chainHash},
					}
					if w%2 == 1 { // the other order too
						groups[0], groups[1] = groups[1], groups[0]
					}
					f.st.AppendAudits(t.Context(), groups)
					if err := errors.Join(groups[0].Err, groups[1].Err); err != nil {
						return err
					}
				}
				return nil
			}) {
				must(t, err)
			}
			for _, us := range []store.UserStore{f.a, f.b} {
				recs := oldestFirst(t, us)
				equal(t, "records", len(recs), writers*rounds)
				checkChain(t, recs)
			}
		}},
	})
}
