package sqlstore

import (
	"context"
	"errors"
	"fmt"

	"github.com/mcpgate/mcpgate/pkg/store"
)

const userCols = "id, name, admin, created_at"

func scanUser(sc scanner) (store.User, error) {
	var u store.User
	var created int64
	if err := sc.Scan(&u.ID, &u.Name, &u.Admin, &created); err != nil {
		return store.User{}, err
	}
	u.CreatedAt = fromMicros(created)
	return u, nil
}

// CreateUser stores u and its first DEK in one transaction.
func (p *privileged) CreateUser(ctx context.Context, u store.User, dek store.DEK) error {
	if u.ID == "" || u.Name == "" {
		return errors.New("create user: id and name are required")
	}
	if dek.UserID != "" && dek.UserID != u.ID {
		return fmt.Errorf("create user %q: the DEK is for another user", u.Name)
	}
	err := p.write(ctx, func(t tx) error {
		if _, err := t.exec(ctx, "INSERT INTO users ("+userCols+") VALUES (?, ?, ?, ?)",
			u.ID, u.Name, u.Admin, micros(u.CreatedAt)); err != nil {
			return err
		}
		_, err := t.exec(ctx, "INSERT INTO deks ("+dekCols+") VALUES (?, ?, ?, ?, ?, ?)",
			u.ID, dek.Version, dek.KEKID, blob(dek.Wrapped), nullBlob(dek.MAC), micros(dek.CreatedAt))
		return err
	})
	if err != nil {
		return fmt.Errorf("create user %q: %w", u.Name, err)
	}
	return nil
}

// ListUsers returns every user, oldest first.
func (p *privileged) ListUsers(ctx context.Context) ([]store.User, error) {
	users, err := all(ctx, p.read, scanUser, "SELECT "+userCols+" FROM users ORDER BY created_at, name")
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	return users, nil
}

// UserByName returns store.ErrNotFound if there is no such user.
func (p *privileged) UserByName(ctx context.Context, name string) (store.User, error) {
	u, err := one(ctx, p.read, scanUser, "SELECT "+userCols+" FROM users WHERE name = ?", name)
	if err != nil {
		return store.User{}, fmt.Errorf("get user %q: %w", name, err)
	}
	return u, nil
}

// DeleteUser deletes the user; the foreign keys cascade to its DEK and
// every row it owns.
func (p *privileged) DeleteUser(ctx context.Context, userID string) error {
	err := p.write(ctx, func(t tx) error {
		return t.execOne(ctx, "DELETE FROM users WHERE id = ?", userID)
	})
	if err != nil {
		return fmt.Errorf("delete user %s: %w", userID, err)
	}
	return nil
}
