package guard

import (
	"errors"
	"fmt"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"cel.dev/cel-go/cel"
)

// Policy is a compiled guardrail policy: every pattern checked, every
// condition type-checked. Build one with Compile, FromFlags or Merge; it is
// immutable and safe for concurrent use.
type Policy struct {
	readOnly       bool
	allow, deny    []string
	approve        []string // tools whose calls need a person's approval
	rules          []rule
	rates          []rateLimit
	maxResultBytes int
}

// ReadOnly reports whether p lets only tools annotated read-only run.
func (p *Policy) ReadOnly() bool { return p != nil && p.readOnly }

// rule is an argument condition: calls to matching tools run only if when
// is true; or, with action approve, need a person's approval if it is.
type rule struct {
	id      string // as written, or derived from its position ("1", "2", ...)
	given   bool   // the id was written in the document
	approve bool   // action: approve
	tools   []string
	when    string
	reason  string
	prg     cel.Program
}

// rateLimit caps calls to matching tools per key and fixed window; all
// matching tools share the one budget.
type rateLimit struct {
	id    string // as written, or derived from its tool patterns
	given bool
	tools []string
	limit Rate
}

func (r rule) ruleID() string      { return "rule:" + r.id }
func (r rateLimit) ruleID() string { return "rate:" + r.id }

// reasonOrDefault is what the model is told when the condition is false.
func (r rule) reasonOrDefault() string {
	if r.reason != "" {
		return r.reason
	}
	return fmt.Sprintf("the call does not satisfy the condition %s of rule %s", r.when, r.id)
}

// Rule actions.
const (
	ActionAllow   = "allow"   // the call runs only if when is true
	ActionApprove = "approve" // the call needs a person's approval if when is true
)

var idPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$`)

// compileDocument validates a parsed document and compiles its conditions.
// lines gives, where known, the line of each rule and rate limit for errors.
func compileDocument(d document, lines docLines) (*Policy, error) {
	if d.Version != 1 {
		if d.Version == 0 {
			return nil, errors.New("version: missing; the first line of a policy is `version: 1`")
		}
		return nil, fmt.Errorf("version: %d is not supported by this mcpgate; use version: 1", d.Version)
	}
	// d.RedactCredentials is ignored: see document.
	p := &Policy{readOnly: d.ReadOnly, maxResultBytes: d.MaxResultBytes}
	if d.MaxResultBytes < 0 {
		return nil, fmt.Errorf("max_result_bytes: %d is negative; use 0 for the gateway's default", d.MaxResultBytes)
	}
	for _, pat := range d.Allow {
		if neg, ok := strings.CutPrefix(pat, "!"); ok {
			if err := checkGlob(neg); err != nil {
				return nil, fmt.Errorf("allow: %w", err)
			}
			p.deny = appendNew(p.deny, neg)
			continue
		}
		if err := checkGlob(pat); err != nil {
			return nil, fmt.Errorf("allow: %w", err)
		}
		p.allow = appendNew(p.allow, pat)
	}
	for _, pat := range d.Deny {
		if strings.HasPrefix(pat, "!") {
			return nil, fmt.Errorf("deny: %q: a deny entry cannot start with !; to allow a tool, list it under allow", pat)
		}
		if err := checkGlob(pat); err != nil {
			return nil, fmt.Errorf("deny: %w", err)
		}
		p.deny = appendNew(p.deny, pat)
	}

	for _, pat := range d.Approve {
		if err := checkGlob(pat); err != nil {
			return nil, fmt.Errorf("approve: %w", err)
		}
		p.approve = appendNew(p.approve, pat)
	}

	seen := map[string]bool{}
	for i, rd := range d.Rules {
		where := lines.at("rules", i)
		r := rule{id: rd.ID, given: rd.ID != "", tools: rd.Tools, when: strings.TrimSpace(rd.When), reason: strings.TrimSpace(rd.Reason)}
		if !r.given {
			r.id = strconv.Itoa(i + 1)
		}
		name := fmt.Sprintf("rule %q%s", r.id, where)
		if r.given && !idPattern.MatchString(r.id) {
			return nil, fmt.Errorf("%s: id: use letters, digits, '-', '_' or '.', at most 64", name)
		}
		if seen[r.ruleID()] {
			return nil, fmt.Errorf("%s: id: another rule has this id", name)
		}
		seen[r.ruleID()] = true
		if err := checkGlobs(r.tools); err != nil {
			return nil, fmt.Errorf("%s: tools: %w", name, err)
		}
		switch rd.Action {
		case "", ActionAllow:
		case ActionApprove:
			r.approve = true
		default:
			return nil, fmt.Errorf("%s: action: %q is not an action; use allow (the call runs only if when is true) or approve (the call needs a person's approval if when is true)", name, rd.Action)
		}
		if r.when == "" {
			return nil, fmt.Errorf("%s: when: missing; write the condition under which the call is allowed (or, with action: approve, needs approval)", name)
		}
		prg, err := compileWhen(r.when)
		if err != nil {
			return nil, fmt.Errorf("%s: when does not compile: %w", name, err)
		}
		r.prg = prg
		p.rules = append(p.rules, r)
	}

	for i, rd := range d.RateLimits {
		where := lines.at("rate_limits", i)
		rl := rateLimit{id: rd.ID, given: rd.ID != "", tools: rd.Tools, limit: rd.Limit}
		if !rl.given {
			rl.id = strings.Join(rd.Tools, ",")
			if rl.id == "" {
				rl.id = "*"
			}
		}
		name := fmt.Sprintf("rate limit %q%s", rl.id, where)
		if rl.given && !idPattern.MatchString(rl.id) {
			return nil, fmt.Errorf("%s: id: use letters, digits, '-', '_' or '.', at most 64", name)
		}
		if seen[rl.ruleID()] {
			return nil, fmt.Errorf("%s: id: another rate limit has this id; give each an id", name)
		}
		seen[rl.ruleID()] = true
		if err := checkGlobs(rl.tools); err != nil {
			return nil, fmt.Errorf("%s: tools: %w", name, err)
		}
		if rl.limit.N < 1 {
			return nil, fmt.Errorf("%s: limit: missing; write a rate like 20/h", name)
		}
		p.rates = append(p.rates, rl)
	}
	return p, nil
}

// checkGlob accepts a non-empty path.Match pattern.
func checkGlob(pat string) error {
	if strings.TrimSpace(pat) == "" {
		return errors.New("empty tool pattern")
	}
	if _, err := path.Match(pat, ""); err != nil {
		return fmt.Errorf("tool pattern %q is malformed; use * and ? wildcards and [a-z] classes", pat)
	}
	return nil
}

func checkGlobs(pats []string) error {
	for _, pat := range pats {
		if err := checkGlob(pat); err != nil {
			return err
		}
	}
	return nil
}

// matchTool returns the first pattern matching tool. An empty list matches
// every tool when all is true.
func matchTool(pats []string, tool string, all bool) (string, bool) {
	if len(pats) == 0 {
		return "*", all
	}
	for _, pat := range pats {
		if ok, _ := path.Match(pat, tool); ok {
			return pat, true
		}
	}
	return "", false
}

func appendNew(list []string, s string) []string {
	if slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}
