package guard

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Rate is a number of calls per fixed window, written "20/h".
type Rate struct {
	N   int           // calls allowed per window, at least 1
	Per time.Duration // the window: a second, minute, hour or day
}

var rateUnits = []struct {
	unit string
	per  time.Duration
}{{"s", time.Second}, {"m", time.Minute}, {"h", time.Hour}, {"d", 24 * time.Hour}}

// ParseRate parses "N/s", "N/m", "N/h" or "N/d".
func ParseRate(s string) (Rate, error) {
	n, unit, ok := strings.Cut(strings.TrimSpace(s), "/")
	if !ok {
		return Rate{}, fmt.Errorf("rate %q: want N/s, N/m, N/h or N/d, e.g. 20/h", s)
	}
	count, err := strconv.Atoi(n)
	if err != nil || count < 1 {
		return Rate{}, fmt.Errorf("rate %q: the count must be a whole number of at least 1", s)
	}
	for _, u := range rateUnits {
		if unit == u.unit {
			return Rate{N: count, Per: u.per}, nil
		}
	}
	return Rate{}, fmt.Errorf("rate %q: unknown period %q; use s, m, h or d", s, unit)
}

// String returns the canonical form, e.g. "20/h".
func (r Rate) String() string {
	for _, u := range rateUnits {
		if r.Per == u.per {
			return strconv.Itoa(r.N) + "/" + u.unit
		}
	}
	return fmt.Sprintf("%d/%s", r.N, r.Per)
}

// Window returns the fixed window holding t: windows start at multiples of
// the period since the zero time, so days run from midnight UTC.
func (r Rate) Window(t time.Time) (start, end time.Time) {
	start = t.UTC().Truncate(r.Per)
	return start, start.Add(r.Per)
}

// UnmarshalYAML reads a rate from a scalar, naming the line when it is bad.
func (r *Rate) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("line %d: limit must be a rate like 20/h", n.Line)
	}
	v, err := ParseRate(n.Value)
	if err != nil {
		return fmt.Errorf("line %d: limit: %w", n.Line, err)
	}
	*r = v
	return nil
}

// MarshalYAML writes the canonical form.
func (r Rate) MarshalYAML() (any, error) {
	if r.N < 1 {
		return nil, errors.New("marshal rate: count must be at least 1")
	}
	return r.String(), nil
}
