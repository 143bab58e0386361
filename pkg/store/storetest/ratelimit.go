package storetest

import (
	"testing"
	"time"

	"github.com/mcpgate/mcpgate/pkg/store"
)

func newHit(limit int) store.RateHit {
	return store.RateHit{KeyID: "k1", Rule: "calls-per-hour", WindowStart: at(3600), Limit: limit}
}

// hit counts h for us and checks what comes back.
func hit(t *testing.T, us store.UserStore, h store.RateHit, wantCount int, wantAllowed bool) {
	t.Helper()
	n, ok, err := us.HitRate(t.Context(), h)
	must(t, err)
	if n != wantCount || ok != wantAllowed {
		t.Errorf("hit %s/%s at %v limit %d: got (%d, %v), want (%d, %v)",
			h.KeyID, h.Rule, h.WindowStart, h.Limit, n, ok, wantCount, wantAllowed)
	}
}

func (h harness) rateLimits(t *testing.T) {
	h.runCases(t, []testCase{
		{"hits are allowed up to the limit, and refused ones are not counted", func(t *testing.T, f *fixture) {
			h := newHit(3)
			for i := 1; i <= 3; i++ {
				hit(t, f.a, h, i, true)
			}
			hit(t, f.a, h, 3, false)
			hit(t, f.a, h, 3, false)
			h.Limit = 4 // a raised limit lets the window count on
			hit(t, f.a, h, 4, true)
		}},
		{"windows, rules and keys count apart", func(t *testing.T, f *fixture) {
			h := newHit(1)
			hit(t, f.a, h, 1, true)
			hit(t, f.a, h, 1, false)
			next := h
			next.WindowStart = h.WindowStart.Add(time.Hour)
			hit(t, f.a, next, 1, true)
			rule := h
			rule.Rule = "calls-per-day"
			hit(t, f.a, rule, 1, true)
			key := h
			key.KeyID = "k2"
			hit(t, f.a, key, 1, true)
		}},
		{"a limit of zero allows nothing and counts nothing", func(t *testing.T, f *fixture) {
			hit(t, f.a, newHit(0), 0, false)
			hit(t, f.a, newHit(1), 1, true)
			hit(t, f.a, newHit(0), 1, false)
		}},
		{"concurrent hits never pass the limit", func(t *testing.T, f *fixture) {
			const callers, limit = 20, 10
			counts := make([]int, callers)
			oks := make([]bool, callers)
			errs := concurrently(callers, func(i int) (err error) {
				counts[i], oks[i], err = f.a.HitRate(t.Context(), newHit(limit))
				return err
			})
			allowed, distinct := 0, map[int]bool{}
			for i, err := range errs {
				must(t, err)
				switch {
				case oks[i]:
					allowed++
					distinct[counts[i]] = true
				case counts[i] != limit:
					t.Errorf("refused at count %d, want %d", counts[i], limit)
				}
			}
			equal(t, "allowed", allowed, limit)
			equal(t, "distinct counts of allowed hits", len(distinct), limit)
			hit(t, f.a, newHit(limit), limit, false)
		}},
		{"opening a window deletes the windows a day older", func(t *testing.T, f *fixture) {
			w0 := newHit(5)
			hit(t, f.a, w0, 1, true)
			hit(t, f.a, w0, 2, true)
			w1 := w0
			w1.WindowStart = w0.WindowStart.Add(23 * time.Hour) // less than a day after w0: w0 stays
			hit(t, f.a, w1, 1, true)
			hit(t, f.a, w0, 3, true)
			w2 := w0
			w2.WindowStart = w0.WindowStart.Add(25 * time.Hour) // w0 goes, w1 stays
			hit(t, f.a, w2, 1, true)
			hit(t, f.a, w1, 2, true)
			hit(t, f.a, w0, 1, true) // counted afresh
		}},
		{"the user's deletion deletes the user's counters", func(t *testing.T, f *fixture) {
			hit(t, f.a, newHit(5), 1, true)
			hit(t, f.a, newHit(5), 2, true)
			must(t, f.priv.DeleteUser(t.Context(), f.alice.ID))
			f.addUser(t, "alice", true)
			hit(t, f.a, newHit(5), 1, true)
		}},
		{"a handle for an unknown user cannot count", func(t *testing.T, f *fixture) {
			_, _, err := f.st.User("u_nobody").HitRate(t.Context(), newHit(5))
			wantErr(t, err, store.ErrNotFound)
		}},
	})
}
