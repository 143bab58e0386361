package guard

import (
	"strconv"
	"strings"
)

// Part is one restriction of an effective policy and the layer it comes
// from, as `mcpgate key policy show` prints it.
type Part struct {
	Setting string `json:"setting"`        // read_only, allow, deny, approve, rule, approve_rule, rate_limit, max_result_bytes
	Value   string `json:"value"`          // the pattern, condition, limit or number
	Rule    string `json:"rule,omitempty"` // the rule id its decisions are recorded under
	From    string `json:"from"`           // LayerDefault or LayerKey
}

// Explain lists the restrictions of e, the default's first, each with the
// layer it comes from. Every part applies to every call; none overrides
// another. An empty list means every call is allowed.
func (e Effective) Explain() []Part {
	var parts []Part
	for _, l := range e.layers() {
		p := l.p
		if p.readOnly {
			parts = append(parts, Part{Setting: "read_only", Value: "true", Rule: l.prefix + RuleReadOnly, From: l.name})
		}
		for _, pat := range p.allow {
			parts = append(parts, Part{Setting: "allow", Value: pat, Rule: l.prefix + RuleAllowList, From: l.name})
		}
		for _, pat := range p.deny {
			parts = append(parts, Part{Setting: "deny", Value: pat, Rule: l.prefix + "deny:" + pat, From: l.name})
		}
		for _, pat := range p.approve {
			parts = append(parts, Part{Setting: "approve", Value: pat, Rule: l.prefix + "approve:" + pat, From: l.name})
		}
		for _, r := range p.rules {
			if r.approve {
				parts = append(parts, Part{Setting: "approve_rule", Value: toolsPrefix(r.tools) + r.when, Rule: l.prefix + r.ruleID(), From: l.name})
				continue
			}
			parts = append(parts, Part{Setting: "rule", Value: toolsPrefix(r.tools) + r.when, Rule: l.prefix + r.ruleID(), From: l.name})
		}
		for _, rl := range p.rates {
			parts = append(parts, Part{Setting: "rate_limit", Value: toolsPrefix(rl.tools) + rl.limit.String(), Rule: l.prefix + rl.ruleID(), From: l.name})
		}
	}
	if n := e.maxResultBytes(); n > 0 {
		from := LayerKey
		if e.Default != nil && e.Default.maxResultBytes == n {
			from = LayerDefault
		}
		parts = append(parts, Part{Setting: "max_result_bytes", Value: strconv.Itoa(n), From: from})
	}
	return parts
}

// toolsPrefix is "[a, b] " for the tools a rule or limit is limited to, or
// "" for every tool.
func toolsPrefix(tools []string) string {
	if len(tools) == 0 {
		return ""
	}
	return "[" + strings.Join(tools, ", ") + "] "
}
