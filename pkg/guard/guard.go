package guard

import (
	"context"
	"encoding/json"
)

// Call is what a decision is made about.
type Call struct {
	UserID, KeyID string
	Tool          string // the exposed name, <connection>_<tool>
	ReadOnly      bool
	Args          json.RawMessage
}

// Decision is the outcome of checking a call.
type Decision struct {
	Allow  bool
	Rule   string // id of the rule that decided
	Reason string // shown to the model when denied
}

// Decision names.
const (
	Allow = "allow"
	Deny  = "deny"
)

// Name returns "allow" or "deny".
func (d Decision) Name() string {
	if d.Allow {
		return Allow
	}
	return Deny
}

// Guard decides calls. Implementations are safe for concurrent use; an
// error means the decision could not be made, and the call must not run.
type Guard interface {
	Decide(ctx context.Context, c Call) (Decision, error)
}

// AllowAll is the guard when no policy is configured.
type AllowAll struct{}

// Decide implements Guard.
func (AllowAll) Decide(context.Context, Call) (Decision, error) {
	return Decision{Allow: true, Rule: "default-allow"}, nil
}

var _ Guard = AllowAll{}
