package audit

import (
	"sort"

	"github.com/mcpgate/mcpgate/pkg/store"
)

// Stat is calls, denials and errors for one tool and key.
type Stat struct {
	Tool     string  `json:"tool"`
	Key      string  `json:"key"`
	Calls    int64   `json:"calls"`
	Denied   int64   `json:"denied"`
	Errors   int64   `json:"errors"`
	ErrorPct float64 `json:"error_rate_pct"`
}

// Stats accumulates records into per tool-and-key figures.
type Stats struct {
	by map[[2]string]*Stat
}

// Add counts r.
func (s *Stats) Add(r store.AuditRecord, key string) {
	if s.by == nil {
		s.by = map[[2]string]*Stat{}
	}
	k := [2]string{r.Tool, key}
	st, ok := s.by[k]
	if !ok {
		st = &Stat{Tool: r.Tool, Key: key}
		s.by[k] = st
	}
	st.Calls++
	switch {
	case r.Decision == "deny" || r.Outcome == "denied":
		// Refused by a guardrail, or not run for want of a person's
		// approval (approve-pending, denied-by-approver, expired).
		st.Denied++
	case r.Outcome == "error":
		st.Errors++
	}
}

// Result returns the figures sorted by calls, most first.
func (s *Stats) Result() []Stat {
	out := make([]Stat, 0, len(s.by))
	for _, st := range s.by {
		if ran := st.Calls - st.Denied; ran > 0 {
			st.ErrorPct = float64(st.Errors) * 100 / float64(ran)
		}
		out = append(out, *st)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Calls != out[j].Calls {
			return out[i].Calls > out[j].Calls
		}
		return out[i].Tool+out[i].Key < out[j].Tool+out[j].Key
	})
	return out
}
