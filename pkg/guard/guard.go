package guard

import "context"

// Call is what a decision is made about.
type Call struct {
	UserID, KeyID string
	Tool          string // the exposed name, <connection>_<tool>
	ReadOnly      bool   // the tool is annotated read-only by its connector
	// Args are the call's canonical arguments: validated against the
	// tool's schema and normalised by its connector (connector.Prepare),
	// exactly what the upstream is sent. Numbers are float64, lists []any.
	Args map[string]any
}

// Decision is the outcome of checking a call.
type Decision struct {
	Allow  bool
	Rule   string // id of the rule that decided, e.g. "deny:gmail_*", "rule:mail-own-domain"
	Reason string // shown to the model when denied

	// Approve is set on an allowed call that may run only once a person
	// approves it; Rule names the policy entry that asks for it
	// ("approve:gmail_send", "rule:outside-mail").
	Approve bool
	// Approval is set by the gateway on a call that needed approval: the
	// approval's state (ApprovePending, Approved, DeniedByApprover,
	// Expired), its id and who decided.
	Approval, ApprovalID, Approver string

	// What the gateway applies to the result of an allowed call.
	MaxResultBytes int // 0: the gateway's default
	// Redacted is set by the gateway when the result held a credential,
	// which it always replaces (secret.Redactor): that is no policy's choice.
	Redacted bool
}

// Decision names, as recorded in the audit log.
const (
	Allow              = "allow"
	Deny               = "deny"
	AllowWithRedaction = "allow-with-redaction" // an allowed call whose result held a credential

	// A call that needed a person's approval is recorded by the state of
	// its approval instead.
	ApprovePending   = "approve-pending"    // asked for; no decision yet, the call did not run
	Approved         = "approved"           // approved: the call ran on it
	DeniedByApprover = "denied-by-approver" // the approver refused it
	Expired          = "expired"            // no one decided before it expired
)

// Rule ids of decisions that no policy entry made.
const (
	RuleDefaultAllow = "default-allow" // no policy, or nothing in it matched
	RuleAllowList    = "allow-list"    // an allow list exists and the tool is not on it
	RuleReadOnly     = "read-only"     // read-only policy, tool not annotated read-only
)

// Name returns "allow", "allow-with-redaction" or "deny", or the state
// of the call's approval when it needed one.
func (d Decision) Name() string {
	if d.Approval != "" {
		return d.Approval
	}
	if d.Allow && d.Redacted {
		return AllowWithRedaction
	}
	if d.Allow {
		return Allow
	}
	return Deny
}

// Guard decides calls. Implementations are safe for concurrent use. A denial
// is a Decision with Allow false, not an error; an error means the decision
// could not be made (a store or counter is down), and the call must not run.
type Guard interface {
	Decide(ctx context.Context, c Call) (Decision, error)
}

// AllowAll is the guard when no policy is configured.
type AllowAll struct{}

// Decide implements Guard.
func (AllowAll) Decide(context.Context, Call) (Decision, error) {
	return Decision{Allow: true, Rule: RuleDefaultAllow}, nil
}

var _ Guard = AllowAll{}
