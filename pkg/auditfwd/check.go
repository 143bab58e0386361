package auditfwd

import (
	"context"
	"fmt"

	"github.com/mcpgate/mcpgate/pkg/audit"
	"github.com/mcpgate/mcpgate/pkg/store"
)

// CheckStream compares the records a receiver has with the local log:
// each must still be there with the same hash, or have been pruned (at or
// below the user's prune anchor). It returns the first difference per
// user. With the stream's checkpoints verified by audit.Verify, this shows
// the local log still holds everything the receiver saw.
func CheckStream(ctx context.Context, st store.Store, s Stream) ([]audit.Break, error) {
	seen := map[string][]Seen{}
	var order []string
	for _, r := range s.Records {
		if _, ok := seen[r.UserID]; !ok {
			order = append(order, r.UserID)
		}
		seen[r.UserID] = append(seen[r.UserID], r)
	}
	var out []audit.Break
	for _, uid := range order {
		us := st.User(uid)
		anchor, err := us.AuditAnchor(ctx)
		if err != nil {
			return nil, fmt.Errorf("read audit anchor: %w", err)
		}
		local := map[int64]string{}
		err = us.EachAudit(ctx, store.AuditFilter{Ascending: true}, func(r store.AuditRecord) error {
			local[r.Seq] = r.Hash
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("read audit records: %w", err)
		}
		for _, r := range seen[uid] {
			h, ok := local[r.Seq]
			switch {
			case ok && h == r.Hash:
				continue
			case ok:
				out = append(out, audit.Break{UserID: uid, Seq: r.Seq, Reason: "its hash differs from the one forwarded: it was rewritten after it was forwarded"})
			case r.Seq <= anchor.Seq:
				continue
			default:
				out = append(out, audit.Break{UserID: uid, Seq: r.Seq, Reason: "it was forwarded but is gone, and no prune reached it: it was deleted"})
			}
			break
		}
	}
	return out, nil
}
