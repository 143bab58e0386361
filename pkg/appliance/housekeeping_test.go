package appliance

import (
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/mcpgate/mcpgate/pkg/store"
)

// Housekeeping deletes approvals decided longer ago than
// approvals.retention; it keeps recent decisions and pending ones, and an
// approval it finds expired undecided is marked so (its sealed arguments
// dropped) and kept for a retention of its own.
func TestHousekeepingDeletesApprovalsPastRetention(t *testing.T) {
	a, owner := newApp(t)
	ctx := t.Context()
	if a.Config.Approvals.Retention != 30*24*time.Hour {
		t.Fatalf("approvals.retention %s, want the default 30 days", a.Config.Approvals.Retention)
	}
	_, k, err := a.CreateKey(ctx, owner, "desktop", nil)
	if err != nil {
		t.Fatal(err)
	}
	us := a.Store.User(owner.ID)
	now := time.Now()
	day := 24 * time.Hour
	for _, c := range []struct {
		id      string
		created time.Duration // ago
		decided bool          // 5 minutes after it was asked
	}{
		{"ap_old", 31 * day, true},
		{"ap_recent", 29 * day, true},
		{"ap_lapsed", 40 * day, false}, // expired 40 days ago, never marked
		{"ap_pending", time.Minute, false},
	} {
		ap := store.Approval{
			ID: c.id, UserID: owner.ID, KeyID: k.ID, Tool: "gmail_send", ArgsHash: "h-" + c.id, Arguments: "{}",
			Status: store.ApprovalPending, CreatedAt: now.Add(-c.created), ExpiresAt: now.Add(-c.created + 10*time.Minute),
		}
		if err := us.CreateApproval(ctx, ap); err != nil {
			t.Fatal(err)
		}
		if c.decided {
			if _, err := us.DecideApproval(ctx, c.id, store.ApprovalApproved, "owner", "", now.Add(-c.created+5*time.Minute)); err != nil {
				t.Fatal(err)
			}
		}
	}
	a.housekeepOnce(ctx, slog.New(slog.DiscardHandler))
	list, err := us.ListApprovals(ctx, store.ApprovalFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var left []string
	for _, ap := range list {
		left = append(left, ap.ID+":"+ap.Status)
	}
	slices.Sort(left)
	want := []string{"ap_lapsed:expired", "ap_pending:pending", "ap_recent:approved"}
	if !slices.Equal(left, want) {
		t.Fatalf("after housekeeping %v, want %v", left, want)
	}
	t.Logf("kept %v", left)
}
