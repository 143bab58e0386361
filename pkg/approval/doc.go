// Package approval holds calls that a guardrail policy sends to a person
// (an `approve:` pattern, or a rule with `action: approve`) until that
// person allows or denies them.
//
// An approval is bound to the key that made the call, the tool and the
// SHA-256 of the call's canonical arguments, and is used once: only a
// call by that key, to that tool, with exactly those arguments, can run
// on it, before it expires. The decision lives in the database, so any
// serve replica sees a decision made by another process (the CLI, the
// approval page of another replica) on its next poll.
//
// Service.Gate is what the gateway calls; Decide is what the CLI and the
// approval page call; Webhook announces a new approval; Page is the
// approval page.
package approval
