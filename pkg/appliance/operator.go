package appliance

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/mcpgate/mcpgate/pkg/audit"
	"github.com/mcpgate/mcpgate/pkg/store"
)

// Who may do what.
//
// mcpgate is a single-tenant appliance. Whoever can read its data dir (the
// database) and use its KEK is its operator: such a process can decrypt
// every user's credentials whatever mcpgate's code says, so the commands
// do not pretend otherwise. The operator may do everything, for every
// user; --user only chooses whom a command acts for (whose connections,
// keys and audit records). A user's Admin flag is a label kept for the web
// sign-in; no operation here reads it as a permission.
//
// A process that cannot read the data dir or use the KEK gets
// ErrNotOperator from Open, before anything is read.

// ErrNotOperator means this process cannot read the data dir or use the
// KEK, so it is not the appliance's operator.
var ErrNotOperator = errors.New("this account cannot read mcpgate's data dir or use its KEK: run the command as the account that owns the data dir (e.g. sudo -u mcpgate mcpgate ...)")

// OperatorError turns a permission failure while reading the config, the
// data dir or the KEK into ErrNotOperator, keeping the cause's text for
// the path it names; other errors pass unchanged.
func OperatorError(err error) error {
	if errors.Is(err, fs.ErrPermission) && !errors.Is(err, ErrNotOperator) {
		return fmt.Errorf("%w (%s)", ErrNotOperator, err.Error())
	}
	return err
}

// checkDataDir refuses a data dir this process cannot list, before a
// database driver reports the same as something vaguer. A data dir that
// does not exist is for the store to report (PostgreSQL with a KMS key
// needs none).
func checkDataDir(dir string) error {
	f, err := os.Open(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err == nil {
		_, err = f.Readdirnames(1)
		f.Close()
	}
	if err != nil && !errors.Is(err, io.EOF) {
		return OperatorError(fmt.Errorf("read data dir %s: %w", dir, err))
	}
	return nil
}

// Users resolves whom a command acts for: every user when all is set, else
// the one named (the owner when name is "").
func (a *App) Users(ctx context.Context, name string, all bool) ([]store.User, error) {
	if all {
		users, err := a.Store.Privileged().ListUsers(ctx)
		if err != nil {
			return nil, fmt.Errorf("list users: %w", err)
		}
		return users, nil
	}
	u, err := a.ResolveUser(ctx, name)
	if err != nil {
		return nil, err
	}
	return []store.User{u}, nil
}

// AuditScope is what an audit command reads: a source, the users it
// covers, and the names of their users and keys for display.
type AuditScope struct {
	Source audit.Source
	Users  []store.User
	Names  audit.Names
}

// AuditScope resolves the records an audit command reads: one user's
// (name, or the owner when ""), or with all every user's.
func (a *App) AuditScope(ctx context.Context, name string, all bool) (AuditScope, error) {
	var s AuditScope
	users, err := a.Users(ctx, name, all)
	if err != nil {
		return s, err
	}
	s.Users = users
	if all {
		s.Source = a.Store.Privileged()
	} else {
		s.Source = a.Store.User(users[0].ID)
	}
	s.Names = audit.Names{Users: map[string]string{}, Keys: map[string]string{}}
	for _, u := range users {
		s.Names.Users[u.ID] = u.Name
		keys, err := a.Store.User(u.ID).ListAPIKeys(ctx)
		if err != nil {
			return s, fmt.Errorf("list keys: %w", err)
		}
		for _, k := range keys {
			s.Names.Keys[k.ID] = k.Name
		}
	}
	return s, nil
}
