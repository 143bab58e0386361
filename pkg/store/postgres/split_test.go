package postgres_test

import (
	"context"
	"database/sql"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/mcpgate/mcpgate/pkg/store"
	"github.com/mcpgate/mcpgate/pkg/store/postgres/pgtest"
)

// serveLogins is what the driver offers for serve's own login.
type serveLogins interface {
	EnsureServeLogin(ctx context.Context, role string, password []byte) (bool, error)
	CheckServeLogin(ctx context.Context, role string) error
	ServeLoginSQL(ctx context.Context, role string) ([]string, error)
}

// ensureServeLogin creates the database's serve login through the owner's
// store.
func ensureServeLogin(t *testing.T, owner store.Store, d pgtest.OwnedDB) {
	t.Helper()
	if _, err := owner.(serveLogins).EnsureServeLogin(t.Context(), d.ServeRole, nil); err != nil {
		t.Fatal(err)
	}
}

// split is a Store as an install runs it: the admin commands' operations
// on the owner's login, and everything serve does on serve's own login
// (from Migrate on, which creates it, as `mcpgate init` does). Run under
// the conformance suite, it proves serve's login can do all serve needs.
type split struct {
	d     pgtest.OwnedDB
	t     *testing.T
	owner store.Store

	mu    sync.Mutex
	serve store.Store
	super *sql.DB
}

func openSplit(t *testing.T) store.Store {
	d := pgtest.FreshOwnedDB(t)
	return &split{d: d, t: t, owner: open(t, d.OwnerURL)}
}

func (s *split) srv() store.Store {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.serve == nil {
		return s.owner
	}
	return s.serve
}

func (s *split) Migrate(ctx context.Context) error {
	if err := s.owner.Migrate(ctx); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.serve != nil {
		return nil
	}
	if _, err := s.owner.(serveLogins).EnsureServeLogin(ctx, s.d.ServeRole, nil); err != nil {
		return err
	}
	st, err := store.Open(ctx, s.d.ServeURL())
	if err != nil {
		return err
	}
	s.serve = st
	return nil
}

func (s *split) MigrateTo(ctx context.Context, v int) error {
	return s.owner.(interface {
		MigrateTo(context.Context, int) error
	}).MigrateTo(ctx, v)
}

// DB is the database as its superuser sees it: the raw SQL of the suite's
// schema tests writes rows of no user's scope, which the owner, under
// forced RLS like everyone but a superuser, may not.
func (s *split) DB() *sql.DB {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.super == nil {
		s.super = stdlib.OpenDB(*mustParse(s.t, s.d.SuperURL))
	}
	return s.super
}

func mustParse(t *testing.T, dbURL string) *pgx.ConnConfig {
	cfg, err := pgx.ParseConfig(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func (s *split) User(id string) store.UserStore { return s.srv().User(id) }

func (s *split) Privileged() store.Privileged {
	return &splitPrivileged{Privileged: s.srv().Privileged(), admin: s.owner.Privileged()}
}

func (s *split) AuthServer() store.AuthServerStore { return s.srv().AuthServer() }

func (s *split) CheckSchema(ctx context.Context) error { return s.srv().CheckSchema(ctx) }

func (s *split) Generation(ctx context.Context) (int64, error) { return s.srv().Generation(ctx) }

func (s *split) AppendAudits(ctx context.Context, groups []store.AuditAppend) {
	s.srv().AppendAudits(ctx, groups)
}

func (s *split) TakeLease(ctx context.Context, name, holder string, now time.Time, ttl time.Duration) (bool, error) {
	return s.srv().TakeLease(ctx, name, holder, now, ttl)
}

func (s *split) ReleaseLease(ctx context.Context, name, holder string) error {
	return s.srv().ReleaseLease(ctx, name, holder)
}

func (s *split) Ping(ctx context.Context) error { return s.srv().Ping(ctx) }

func (s *split) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var errs []error
	if s.serve != nil {
		errs = append(errs, s.serve.Close())
	}
	if s.super != nil {
		errs = append(errs, s.super.Close())
	}
	return errors.Join(append(errs, s.owner.Close())...)
}

// splitPrivileged sends the admin commands' operations to the owner's
// login and the rest, what serve uses, to serve's.
type splitPrivileged struct {
	store.Privileged
	admin store.Privileged
}

func (p *splitPrivileged) CreateUser(ctx context.Context, u store.User, dek store.DEK) error {
	return p.admin.CreateUser(ctx, u, dek)
}

func (p *splitPrivileged) DeleteUser(ctx context.Context, id string) error {
	return p.admin.DeleteUser(ctx, id)
}

func (p *splitPrivileged) ListDEKs(ctx context.Context) ([]store.DEK, error) {
	return p.admin.ListDEKs(ctx)
}

func (p *splitPrivileged) ReplaceDEK(ctx context.Context, old, updated store.DEK) error {
	return p.admin.ReplaceDEK(ctx, old, updated)
}

func (p *splitPrivileged) EachAudit(ctx context.Context, f store.AuditFilter, fn func(store.AuditRecord) error) error {
	return p.admin.EachAudit(ctx, f, fn)
}
