package audit

import (
	"context"
	"fmt"
	"time"

	"github.com/mcpgate/mcpgate/pkg/store"
)

// Prune deletes the users' records older than before; each user's anchor
// moves so that the kept records still verify.
func Prune(ctx context.Context, st store.Store, users []store.User, before time.Time) (int64, error) {
	var total int64
	for _, u := range users {
		n, err := st.User(u.ID).PruneAudit(ctx, before)
		if err != nil {
			return total, fmt.Errorf("prune audit records of %s: %w", u.Name, err)
		}
		total += n
	}
	return total, nil
}
