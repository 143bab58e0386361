package appliance

import (
	"context"
	"slices"
	"time"

	"github.com/mcpgate/mcpgate/pkg/audit"
	"github.com/mcpgate/mcpgate/pkg/auditfwd"
	"github.com/mcpgate/mcpgate/pkg/store"
)

// PruneAudit deletes the users' audit records older than before, and
// returns how many it deleted (see audit.Prune).
func (a *App) PruneAudit(ctx context.Context, users []store.User, before time.Time) (int64, error) {
	return audit.Prune(ctx, a.Store, users, before)
}

// VerifyAudit checks the audit chains of the users with userIDs against
// their audit keys and the checkpoints cps (see audit.Verify).
func (a *App) VerifyAudit(ctx context.Context, userIDs []string, cps []audit.Checkpoint) (audit.Report, error) {
	return audit.Verify(ctx, a.Store, a.AuditKeys, userIDs, cps)
}

// CheckpointAudit returns a checkpoint of u's audit chain as it stands
// at now; an *audit.Break if the chain was tampered with (see
// audit.MakeCheckpoint).
func (a *App) CheckpointAudit(ctx context.Context, u store.User, now time.Time) (audit.Checkpoint, error) {
	return audit.MakeCheckpoint(ctx, a.Store, a.AuditKeys, u, now)
}

// CheckForwarded adds to rep what the forwarded stream s shows (see
// auditfwd.CheckStream): a record the receiver has that the local log no
// longer holds, or holds changed, is a break of its user, unless the
// user's chain broke before it.
func (a *App) CheckForwarded(ctx context.Context, s auditfwd.Stream, rep *audit.Report) error {
	breaks, err := auditfwd.CheckStream(ctx, a.Store, s)
	if err != nil {
		return err
	}
	for _, b := range breaks {
		if !slices.ContainsFunc(rep.Breaks, func(x audit.Break) bool { return x.UserID == b.UserID }) {
			rep.Breaks = append(rep.Breaks, b)
		}
	}
	return nil
}
