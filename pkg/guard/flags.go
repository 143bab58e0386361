package guard

import (
	"fmt"
	"slices"
	"strings"
)

// Flags are the guardrail flags of `key create` and `key update`, for the
// common cases; the full form is a policy file.
type Flags struct {
	Allow    []string // --allow P, repeatable; "!P" denies P
	Deny     []string // --deny P, repeatable
	ReadOnly *bool    // --read-only; nil leaves it as it is
	Rates    []string // --rate P=N/h, repeatable, e.g. gmail_send_message=20/h
}

// FromFlags builds a policy from flags alone.
func FromFlags(f Flags) (*Policy, error) {
	return Merge(nil, f)
}

// Merge returns base with f applied; base is not changed and may be nil (the
// empty policy). Patterns are added to the allow and deny lists and never
// removed: dropping the last allow entry would silently widen the key to
// every tool, so narrowing a policy is done with a policy file. A --rate for
// a pattern that already has a rate limit of its own replaces that limit,
// keeping its id and so its count.
func Merge(base *Policy, f Flags) (*Policy, error) {
	d := base.document()
	d.Allow = append(slices.Clone(d.Allow), f.Allow...)
	d.Deny = append(slices.Clone(d.Deny), f.Deny...)
	if f.ReadOnly != nil {
		d.ReadOnly = *f.ReadOnly
	}
	d.RateLimits = slices.Clone(d.RateLimits)
	for _, flag := range f.Rates {
		pat, r, err := parseRateFlag(flag)
		if err != nil {
			return nil, err
		}
		i := slices.IndexFunc(d.RateLimits, func(rd rateDoc) bool {
			return len(rd.Tools) == 1 && rd.Tools[0] == pat
		})
		if i >= 0 {
			d.RateLimits[i].Limit = r
			continue
		}
		d.RateLimits = append(d.RateLimits, rateDoc{Tools: []string{pat}, Limit: r})
	}
	p, err := compileDocument(d, nil)
	if err != nil {
		return nil, fmt.Errorf("apply guardrail flags: %w", err)
	}
	return p, nil
}

// parseRateFlag splits "P=N/h" into its pattern and rate.
func parseRateFlag(s string) (string, Rate, error) {
	pat, rate, ok := strings.Cut(s, "=")
	if !ok || pat == "" {
		return "", Rate{}, fmt.Errorf("--rate %q: want TOOL_PATTERN=N/PERIOD, e.g. gmail_send_message=20/h", s)
	}
	if err := checkGlob(pat); err != nil {
		return "", Rate{}, fmt.Errorf("--rate %q: %w", s, err)
	}
	r, err := ParseRate(rate)
	if err != nil {
		return "", Rate{}, fmt.Errorf("--rate %q: %w", s, err)
	}
	return pat, r, nil
}
