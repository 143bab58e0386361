// Package guard decides whether a tool call may run. Every call gets a
// Decision naming the rule that made it.
//
// A policy attaches to an app key, or to a user as the default policy,
// which is the floor for every key of that user: a key's own policy can only
// add restrictions to it (see Effective). It is written in YAML (unknown
// fields are errors):
//
//	version: 1
//	read_only: false          # true: only tools annotated read-only may run
//	allow: ["github_*", "gmail_search_*"]   # tool globs; empty: every tool
//	deny: ["gmail_send_message"]            # deny wins over allow
//	rules:                    # argument conditions in CEL
//	  - id: mail-own-domain
//	    tools: ["gmail_send_message", "gmail_create_draft"]   # empty: every tool
//	    when: 'args.to.all(t, t.endsWith("@example.com"))'   # the call runs only if true
//	    reason: "mail may only go to example.com addresses"   # told to the model
//	rate_limits:              # per key; the matching tools share the budget
//	  - id: mail-rate
//	    tools: ["gmail_send_message"]
//	    limit: 20/h           # N/s, N/m, N/h or N/d, in fixed windows (days in UTC)
//	max_result_bytes: 65536   # longer results are truncated with a note; 0: gateway default
//
// redact_credentials, a field of earlier versions, is read and ignored: the
// gateway always redacts credentials (secret.Redactor), so it never had an
// effect, and Marshal no longer writes it.
//
// Patterns are path.Match globs. An allow entry written "!P" denies P, as the
// --allow flag does. Conditions see `args`, the call's canonical arguments
// as a map (validated against the tool's schema and normalised by its
// connector: exactly what the upstream is sent), and `tool`, its name; they must be of type bool and are compiled and
// type-checked by Compile, so a bad condition is refused when the policy is
// saved. Besides the CEL standard library, the strings extension
// (lowerAscii, split, ...) is available; `has(args.x)` tests for an optional
// argument.
//
// A call is checked in this order, each check over the default policy, then
// the key's own, and the first check that refuses decides:
//
//	deny lists       rule "deny:<pattern>"
//	allow lists      rule "allow-list" when the tool matches no entry of a
//	                 layer's allow list (with both, a tool must be on both)
//	read-only        rule "read-only", when either layer says read_only
//	conditions       rule "rule:<id>"; a condition that is false, or that
//	                 cannot be evaluated (say a missing argument), denies
//	rate limits      rule "rate:<id>"; counted only for calls all else allowed
//
// Rules of the default policy are named with the prefix "default:"
// ("default:read-only", "default:rate:mail-rate"); a key's own keep the plain
// names. An allowed call names the allow pattern that admitted it
// ("allow:<pattern>", the key's when both layers have allow lists) or
// "default-allow". Rules and rate limits without an id get one derived from
// their position ("rule:1") or tool patterns ("rate:gmail_send_message").
//
// After an allowed call, and before the model sees the result, the gateway
// replaces the user's credential values in it (secret.Redactor, always),
// then cuts it to MaxResultBytes, the smaller of the two layers'.
package guard
