package audit

import (
	"context"
	"fmt"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/mcpgate/mcpgate/pkg/store"
)

// Query is a listing's filter: the store's, plus a tool glob.
type Query struct {
	store.AuditFilter
	ToolGlob string // path.Match pattern, e.g. "github_*"
}

// Match reports whether r passes the parts of q the store does not apply.
func (q Query) Match(r store.AuditRecord) bool {
	if q.ToolGlob == "" {
		return true
	}
	ok, _ := path.Match(q.ToolGlob, r.Tool)
	return ok
}

// Validate checks the glob.
func (q Query) Validate() error {
	if q.ToolGlob != "" {
		if _, err := path.Match(q.ToolGlob, ""); err != nil {
			return fmt.Errorf("--tool %q: not a valid pattern", q.ToolGlob)
		}
	}
	return nil
}

// Source walks records: one user's (a store.UserStore) or every user's
// (store.Privileged).
type Source interface {
	EachAudit(ctx context.Context, f store.AuditFilter, fn func(store.AuditRecord) error) error
}

// Each walks the records matching q. A tool glob is applied here, so a
// Limit counts matching records.
func Each(ctx context.Context, src Source, q Query, fn func(store.AuditRecord) error) error {
	f := q.AuditFilter
	limit := f.Limit
	if q.ToolGlob != "" {
		if !strings.ContainsAny(q.ToolGlob, "*?[\\") {
			f.Tool = q.ToolGlob
		} else {
			f.Limit = 0
		}
	}
	n := 0
	return src.EachAudit(ctx, f, func(r store.AuditRecord) error {
		if limit > 0 && n >= limit {
			return nil
		}
		if !q.Match(r) {
			return nil
		}
		n++
		return fn(r)
	})
}

// ParseTime reads a --since/--until value: a duration back from now
// ("90m", "24h", "7d"), or an RFC 3339 time.
func ParseTime(s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	d, err := ParseDuration(s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is neither a duration (30m, 24h, 7d) nor an RFC 3339 time", s)
	}
	return now.Add(-d), nil
}

// ParseDuration is time.ParseDuration that also takes days ("90d").
func ParseDuration(s string) (time.Duration, error) {
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n < 0 {
			return 0, fmt.Errorf("%q is not a number of days", s)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("%q is not a duration", s)
	}
	return d, nil
}
