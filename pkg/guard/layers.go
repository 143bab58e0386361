package guard

import "fmt"

// Layer names: where a part of an effective policy comes from.
const (
	LayerDefault = "default" // the user's default policy
	LayerKey     = "key"     // the key's own policy
)

// defaultRulePrefix starts the rule id of every decision that the user's
// default policy made ("default:deny:gmail_*"). A key's own rules keep their
// plain ids. Policy ids cannot hold ':', so the two never collide, neither
// in the audit log nor in the rate counters, which are keyed by rule id.
const defaultRulePrefix = LayerDefault + ":"

// Effective is what applies to the calls of one key: the user's default
// policy, which is the floor for every key of that user, and the key's own
// policy, which can only add restrictions. Either may be nil (absent).
//
// A call must pass both: the deny lists, rules and rate limits of both
// apply; the key is read-only if either says so; when both have an allow
// list, a tool must be on both (the lists intersect); the smaller non-zero
// max_result_bytes bounds results. Nothing in a key's policy can lift a
// restriction of the default: to give one key more than the others, put
// less in the default and more in the other keys' own policies.
type Effective struct {
	Default *Policy
	Key     *Policy
}

// IsZero reports whether neither layer is set, so every call is allowed.
func (e Effective) IsZero() bool { return e.Default == nil && e.Key == nil }

// layer is one policy of an Effective, with how its decisions are named.
type layer struct {
	name   string // LayerDefault or LayerKey
	prefix string // put before its rule ids
	whose  string // for reasons: "this key's", "the default policy's"
	by     string // for reasons: "its own policy", "the default policy"
	p      *Policy
}

// layers returns the set layers, the default first.
func (e Effective) layers() []layer {
	var ls []layer
	if e.Default != nil {
		ls = append(ls, layer{name: LayerDefault, prefix: defaultRulePrefix, whose: "the default policy's", by: "the default policy", p: e.Default})
	}
	if e.Key != nil {
		ls = append(ls, layer{name: LayerKey, whose: "this key's", by: "its own policy", p: e.Key})
	}
	return ls
}

// maxResultBytes is the smaller non-zero limit of the layers; 0 when
// neither sets one (the gateway's default).
func (e Effective) maxResultBytes() int {
	n := 0
	for _, l := range e.layers() {
		if m := l.p.maxResultBytes; m > 0 && (n == 0 || m < n) {
			n = m
		}
	}
	return n
}

func (e Effective) decision(allow bool, rule, reason string) Decision {
	return Decision{Allow: allow, Rule: rule, Reason: reason, MaxResultBytes: e.maxResultBytes()}
}

// String names the layers that are set, for messages.
func (e Effective) String() string {
	switch {
	case e.Default != nil && e.Key != nil:
		return "the default policy and the key's own"
	case e.Default != nil:
		return "the default policy"
	case e.Key != nil:
		return "the key's own policy"
	}
	return "no policy"
}

var _ fmt.Stringer = Effective{}
