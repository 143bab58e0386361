package appliance

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"time"

	"github.com/mcpgate/mcpgate/pkg/store"
)

var nameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,62}$`)

// ValidName checks a user, connection or key name: lower-case letters,
// digits, '-' and '_', up to 63 characters, so it can be part of a tool
// name.
func ValidName(kind, name string) error {
	if !nameRE.MatchString(name) {
		return fmt.Errorf("%s name %q: use 1-63 lower-case letters, digits, '-' or '_', starting with a letter or digit", kind, name)
	}
	return nil
}

// NewID returns a random identifier with a prefix.
func NewID(prefix string) string {
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	return prefix + hex.EncodeToString(b)
}

// AddUser creates a user with its own DEK.
func (a *App) AddUser(ctx context.Context, name string, admin bool) (store.User, error) {
	if err := ValidName("user", name); err != nil {
		return store.User{}, err
	}
	u := store.User{ID: NewID("u_"), Name: name, Admin: admin, CreatedAt: time.Now().UTC()}
	dek, err := a.Vault.NewDEK(ctx, u.ID, 1)
	if err != nil {
		return store.User{}, err
	}
	if err := a.Store.Privileged().CreateUser(ctx, u, dek); err != nil {
		if errors.Is(err, store.ErrAlreadyExists) {
			return store.User{}, fmt.Errorf("a user named %q already exists", name)
		}
		return store.User{}, fmt.Errorf("create user: %w", err)
	}
	if _, err := a.AuditKeys.Ensure(ctx, u.ID); err != nil {
		return store.User{}, fmt.Errorf("create the audit keys of user %s: %w", name, err)
	}
	return u, nil
}

// RemoveUser deletes a user, its DEK and every row it owns; its sealed
// credentials can then never be opened again. It keeps the last admin:
// not as a permission (the operator may remove anyone), but because the
// owner, the first admin, is whom commands act for without --user.
func (a *App) RemoveUser(ctx context.Context, name string) error {
	u, err := a.ResolveUser(ctx, name)
	if err != nil {
		return err
	}
	if u.Admin {
		users, err := a.Store.Privileged().ListUsers(ctx)
		if err != nil {
			return fmt.Errorf("list users: %w", err)
		}
		admins := 0
		for _, x := range users {
			if x.Admin {
				admins++
			}
		}
		if admins == 1 {
			return fmt.Errorf("%s is the only admin, whom commands act for without --user: add another with `mcpgate user add --admin NAME` first", u.Name)
		}
	}
	if err := a.Store.Privileged().DeleteUser(ctx, u.ID); err != nil {
		return fmt.Errorf("remove user: %w", err)
	}
	a.Vault.Forget(u.ID)
	a.AuditKeys.Forget(u.ID)
	return nil
}
