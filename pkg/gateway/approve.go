package gateway

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/mcpgate/mcpgate/pkg/approval"
	"github.com/mcpgate/mcpgate/pkg/guard"
	"github.com/mcpgate/mcpgate/pkg/store"
)

// approve settles a call the guard allowed only with a person's
// approval (dec.Approve): it uses a decision made for exactly this call,
// or asks for one and waits for it up to approvals.wait. It returns nil
// when the call may run; otherwise the error the model is told. dec is
// given the approval's state, id and approver for the audit record.
func (g *Gateway) approve(ctx context.Context, id Identity, tool string, dec *guard.Decision, args map[string]any, shown string) error {
	g.metrics.ApprovalsWaiting.Inc()
	out, err := g.approvals.Gate(ctx, approval.Call{
		UserID: id.UserID, KeyID: id.KeyID, KeyName: id.KeyName, Tool: tool, Rule: dec.Rule, Args: args, Shown: shown,
	})
	g.metrics.ApprovalsWaiting.Dec()
	for _, e := range out.Expired {
		g.recordExpired(ctx, id, e)
	}
	if err != nil {
		g.log.Error("approval", "tool", tool, "err", err.Error())
		dec.Approval = guard.ApprovePending
		return errors.New("this call needs a person's approval, and the gateway could not ask for it; it was not run")
	}
	a := out.Approval
	dec.ApprovalID, dec.Approver = a.ID, a.DecidedBy
	switch out.Status {
	case store.ApprovalApproved:
		dec.Approval = guard.Approved
		g.metrics.ApprovalDecisions.WithLabelValues("approved").Inc()
		return nil
	case store.ApprovalDenied:
		dec.Approval = guard.DeniedByApprover
		g.metrics.ApprovalDecisions.WithLabelValues("denied").Inc()
		msg := fmt.Sprintf("denied by approver %s (approval %s); the call was not run", a.DecidedBy, a.ID)
		if a.Reason != "" {
			msg += ": " + a.Reason
		}
		return errors.New(msg)
	case store.ApprovalExpired:
		dec.Approval = guard.Expired
		g.metrics.ApprovalDecisions.WithLabelValues("expired").Inc()
		return fmt.Errorf("approval %s expired before anyone decided; the call was not run. Call the tool again to ask anew", a.ID)
	}
	dec.Approval = guard.ApprovePending
	return fmt.Errorf("this call is waiting for a person's approval (approval id %s, asked by %s) and was not run. "+
		"Call this tool again later with exactly the same arguments: once it is approved, that call runs. "+
		"Different arguments need an approval of their own", a.ID, dec.Rule)
}

// recordExpired records an earlier approval of a call that expired
// undecided.
func (g *Gateway) recordExpired(ctx context.Context, id Identity, a store.Approval) {
	g.metrics.ApprovalDecisions.WithLabelValues("expired").Inc()
	rec := store.AuditRecord{
		UserID: id.UserID, Time: time.Now().UTC(), KeyID: id.KeyID, Tool: a.Tool, Arguments: a.Arguments,
		Decision: guard.Expired, Rule: auditRule(guard.Decision{Rule: a.Rule, ApprovalID: a.ID}),
		Outcome: OutcomeDenied, Error: "no one decided before the approval expired",
	}
	if _, err := g.audit.Write(ctx, rec); err != nil {
		g.log.Error("audit write failed", "tool", a.Tool, "err", err.Error())
	}
}

// auditRule is the rule column of a call's audit record: the rule that
// decided, and for a call that needed approval, the approval's id and
// who decided ("approve:gmail_send approval:ap_… by:alice").
func auditRule(dec guard.Decision) string {
	r := dec.Rule
	if dec.ApprovalID != "" {
		r += " approval:" + dec.ApprovalID
	}
	if dec.Approver != "" {
		r += " by:" + dec.Approver
	}
	return r
}
