package appliance

import (
	"context"
	"errors"
	"fmt"

	"github.com/mcpgate/mcpgate/pkg/store"
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

// resealAuditKeysForRotation prepares a DEK rotation of the user: it adds
// the new DEK version (unless an interrupted rotation left one) and seals
// the user's audit keys under it, so that the rotation, which re-seals the
// credentials and then retires the old version, finds nothing left under
// the old one.
func (a *App) resealAuditKeysForRotation(ctx context.Context, userID string) error {
	us := a.Store.User(userID)
	deks, err := us.ListDEKs(ctx)
	if err != nil {
		return fmt.Errorf("list DEKs: %w", err)
	}
	if len(deks) == 1 {
		nd, err := a.Vault.NewDEK(ctx, userID, deks[0].Version+1)
		if err != nil {
			return err
		}
		if err := us.AddDEK(ctx, nd); err != nil && !errors.Is(err, store.ErrAlreadyExists) {
			return fmt.Errorf("add DEK: %w", err)
		}
	}
	a.Vault.Forget(userID) // "current" is cached
	if err := a.AuditKeys.Reseal(ctx, userID); err != nil {
		return fmt.Errorf("seal the audit keys under the new DEK: %w", err)
	}
	return nil
}
