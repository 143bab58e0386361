package audit

import (
	"context"
	"fmt"

	"github.com/mcpgate/mcpgate/pkg/store"
)

// Break is the first broken link found in a user's chain.
type Break struct {
	UserID string
	Seq    int64
	Reason string
}

func (b Break) Error() string {
	return fmt.Sprintf("audit record %d of user %s: %s", b.Seq, b.UserID, b.Reason)
}

// Report is what Verify found.
type Report struct {
	Records int64
	Users   int
	Breaks  []Break // the first break per user
}

// Verify walks every record of the given users oldest first and checks
// that each names its predecessor's hash (the prune anchor for the oldest
// kept record) and that its own hash matches its content. It reports the
// first broken link per user.
func Verify(ctx context.Context, st store.Store, userIDs []string) (Report, error) {
	var rep Report
	for _, uid := range userIDs {
		us := st.User(uid)
		anchor, err := us.AuditAnchor(ctx)
		if err != nil {
			return rep, fmt.Errorf("read audit anchor: %w", err)
		}
		prev := anchor.Hash
		var broken *Break
		err = us.EachAudit(ctx, store.AuditFilter{Ascending: true}, func(r store.AuditRecord) error {
			rep.Records++
			if broken != nil {
				return nil
			}
			switch {
			case r.PrevHash != prev:
				broken = &Break{uid, r.Seq, "its link to the record before it is broken: a record before it was deleted or changed"}
			case Hash(r.PrevHash, r) != r.Hash:
				broken = &Break{uid, r.Seq, "its content does not match its hash: it was changed"}
			}
			prev = r.Hash
			return nil
		})
		if err != nil {
			return rep, fmt.Errorf("read audit records: %w", err)
		}
		rep.Users++
		if broken != nil {
			rep.Breaks = append(rep.Breaks, *broken)
		}
	}
	return rep, nil
}
