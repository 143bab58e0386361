package storetest

import (
	"errors"
	"fmt"
	"testing"

	"github.com/mcpgate/mcpgate/pkg/store"
)

// collect is an EachAudit callback that keeps what it is given.
func collect(into *[]store.AuditRecord) func(store.AuditRecord) error {
	return func(r store.AuditRecord) error {
		*into = append(*into, r)
		return nil
	}
}

func (h harness) auditWalk(t *testing.T) {
	h.runCases(t, []testCase{
		{"an error from fn stops the walk and is returned as it is", func(t *testing.T, f *fixture) {
			var recs []store.AuditRecord
			for i := range 5 {
				recs = append(recs, newAudit(fmt.Sprint(i), i))
			}
			_, err := f.a.AppendAudit(t.Context(), recs, chainHash)
			must(t, err)
			stop := errors.New("stop here")
			calls := 0
			err = f.a.EachAudit(t.Context(), store.AuditFilter{Ascending: true}, func(store.AuditRecord) error {
				calls++
				if calls == 2 {
					return stop
				}
				return nil
			})
			if err != stop {
				t.Errorf("got error %v, want fn's own %v", err, stop)
			}
			equal(t, "calls", calls, 2)
		}},
		{"the log can be written while a walk is open", func(t *testing.T, f *fixture) {
			_, err := f.a.AppendAudit(t.Context(), []store.AuditRecord{newAudit("a", 1), newAudit("b", 2), newAudit("c", 3)}, chainHash)
			must(t, err)
			var walked []string
			err = f.a.EachAudit(t.Context(), store.AuditFilter{Ascending: true}, func(r store.AuditRecord) error {
				walked = append(walked, r.Tool)
				if len(walked) > 10 {
					return errors.New("the walk does not end")
				}
				_, err := f.a.AppendAudit(t.Context(), []store.AuditRecord{newAudit("during-"+r.Tool, 10)}, chainHash)
				return err
			})
			must(t, err)
			if len(walked) < 3 {
				t.Fatalf("walked %v, want at least a, b, c", walked)
			}
			equal(t, "walked first", walked[:3], []string{"a", "b", "c"})
			recs := oldestFirst(t, f.a)
			equal(t, "records", len(recs), 3+len(walked))
			checkChain(t, recs)
		}},
		{"a privileged walk covers every user in sequence order", func(t *testing.T, f *fixture) {
			for _, w := range []struct {
				us   store.UserStore
				tool string
			}{{f.a, "a1"}, {f.a, "a2"}, {f.b, "b1"}, {f.a, "a3"}} {
				_, err := w.us.AppendAudit(t.Context(), []store.AuditRecord{newAudit(w.tool, 1)}, chainHash)
				must(t, err)
			}
			cases := []struct {
				name   string
				filter store.AuditFilter
				want   []string
			}{
				{"no filter is newest first", store.AuditFilter{}, []string{"a3", "b1", "a2", "a1"}},
				{"ascending is oldest first", store.AuditFilter{Ascending: true}, []string{"a1", "a2", "b1", "a3"}},
				{"limit keeps the newest", store.AuditFilter{Limit: 2}, []string{"a3", "b1"}},
				{"filters apply", store.AuditFilter{Tool: "b1"}, []string{"b1"}},
			}
			for _, tc := range cases {
				var got []store.AuditRecord
				must(t, f.priv.EachAudit(t.Context(), tc.filter, collect(&got)))
				equal(t, tc.name, tools(got), tc.want)
			}
			var bobs []store.AuditRecord
			must(t, f.priv.EachAudit(t.Context(), store.AuditFilter{Tool: "b1"}, collect(&bobs)))
			equal(t, "owner", bobs[0].UserID, f.bob.ID)
		}},
		{"a user's walk sees only the user's records", func(t *testing.T, f *fixture) {
			_, err := f.b.AppendAudit(t.Context(), []store.AuditRecord{newAudit("b1", 1)}, chainHash)
			must(t, err)
			var got []store.AuditRecord
			must(t, f.a.EachAudit(t.Context(), store.AuditFilter{}, collect(&got)))
			equal(t, "alice's records", len(got), 0)
		}},
	})
}
