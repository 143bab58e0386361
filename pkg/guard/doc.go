// Package guard decides whether a tool call may run. Every call gets a
// Decision naming the rule that made it.
//
// A policy attaches to an app key, or to a user as the default for keys
// without one. It is written in YAML (unknown fields are errors):
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
//	redact_credentials: true  # the default
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
// A call is checked in this order, and the first check that refuses decides:
//
//	deny list        rule "deny:<pattern>"
//	allow list       rule "allow-list" when the tool matches no allow entry
//	read-only        rule "read-only"
//	conditions       rule "rule:<id>"; a condition that is false, or that
//	                 cannot be evaluated (say a missing argument), denies
//	rate limits      rule "rate:<id>"; counted only for calls all else allowed
//
// An allowed call names the allow pattern that admitted it ("allow:<pattern>")
// or "default-allow". Rules and rate limits without an id get one derived
// from their position ("rule:1") or tool patterns ("rate:gmail_send_message").
//
// After an allowed call, and before the model sees the result, the gateway
// replaces the user's credential values in it (Redactor; always, whatever
// RedactCredentials says), then cuts it to MaxResultBytes.
package guard
