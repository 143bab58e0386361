package audit_test

import (
	"testing"

	"github.com/mcpgate/mcpgate/pkg/audit"
	"github.com/mcpgate/mcpgate/pkg/store"
)

// A call that did not run for want of approval counts as denied, not as
// a call that ran; one that ran on an approval counts as run.
func TestStatsCountCallsNotRunForApprovalAsDenied(t *testing.T) {
	var s audit.Stats
	for _, r := range []store.AuditRecord{
		{Tool: "t", Decision: "approve-pending", Outcome: "denied"},
		{Tool: "t", Decision: "denied-by-approver", Outcome: "denied"},
		{Tool: "t", Decision: "expired", Outcome: "denied"},
		{Tool: "t", Decision: "approved", Outcome: "error"},
		{Tool: "t", Decision: "approved", Outcome: "ok"},
	} {
		s.Add(r, "k")
	}
	got := s.Result()
	if len(got) != 1 || got[0].Calls != 5 || got[0].Denied != 3 || got[0].Errors != 1 || got[0].ErrorPct != 50 {
		t.Fatalf("stats = %+v, want 5 calls, 3 denied, 1 error of 2 run", got)
	}
}
