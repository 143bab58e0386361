package appliance

import (
	"context"
	"fmt"
)

// KeyAuditLogs gives every user audit keys, re-chaining the records still
// in the legacy unkeyed format under them (see audit.Keys.Ensure). It
// goes on past a user whose legacy chain is broken, telling report, and
// returns an error only if the users cannot be listed.
func (a *App) KeyAuditLogs(ctx context.Context, report func(user string, rechained int64, err error)) error {
	users, err := a.Store.Privileged().ListUsers(ctx)
	if err != nil {
		return fmt.Errorf("list users: %w", err)
	}
	for _, u := range users {
		n, err := a.AuditKeys.Migrate(ctx, u.ID)
		report(u.Name, n, err)
	}
	return nil
}
