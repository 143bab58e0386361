package postgres

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/mcpgate/mcpgate/pkg/store"
	"github.com/mcpgate/mcpgate/pkg/store/sqlstore"
)

func init() {
	store.Register("postgres", Open)
	store.Register("postgresql", Open)
}

// AppRole is the role every transaction of the store runs as: serve's
// login is a member of it and of nothing else.
const AppRole = "mcpgate_app"

// AdminRole is the role the admin commands' cross-user transactions run
// as (see Privileged): the tables' owner is a member, serve's login not.
const AdminRole = "mcpgate_admin"

//go:embed migrations/*.sql
var migrations embed.FS

var dialect = &sqlstore.Dialect{
	Name:     "postgres",
	Numbered: true,
	// set_config('role', ..., true) is SET LOCAL ROLE, in the same round trip.
	ScopeUser: func(ctx context.Context, tx *sql.Tx, userID string) error {
		_, err := tx.ExecContext(ctx, scopeUserSQL, userID)
		return err
	},
	ScopePrivileged: func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `SELECT set_config('role', '`+AdminRole+`', true)`)
		var e *pgconn.PgError
		if errors.As(err, &e) && e.Code == "42501" { // insufficient_privilege
			return fmt.Errorf("act across users: this database login is not a member of %s; "+
				"run admin commands with database.admin_url, the login that ran `mcpgate init`: %w", AdminRole, err)
		}
		return err
	},
	Lock: func(ctx context.Context, tx *sql.Tx, key string) error {
		_, err := tx.ExecContext(ctx, lockSQL, key)
		return err
	},
	Constraint: constraint,
	Pipeline:   pipeline,
	HasTable:   "SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname = current_schema() AND tablename = ?",
	Migrations: sqlstore.MustMigrations(sqlstore.Types{
		BigInt: "BIGINT",
		Bool:   "BOOLEAN",
		Blob:   "BYTEA",
		Serial: "BIGSERIAL PRIMARY KEY",
	}, sqlstore.MustSub(migrations, "migrations")),
}

// Open connects to the database u names.
func Open(ctx context.Context, u *url.URL) (store.Store, error) {
	cfg, err := pgx.ParseConfig(u.String())
	if err != nil {
		return nil, fmt.Errorf("parse postgres url: %w", err)
	}
	db := stdlib.OpenDB(*cfg)
	// A tool call makes a few short transactions; keeping connections
	// open spares a TCP and auth round trip for each.
	db.SetMaxOpenConns(20)
	db.SetMaxIdleConns(20)
	db.SetConnMaxIdleTime(5 * time.Minute)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect to postgres at %s: %w", u.Redacted(), err)
	}
	s := &pgStore{Store: sqlstore.New(db, dialect), watch: newWatch(cfg)}
	s.SetWriteHook(func(ctx context.Context) { settle(ctx, db) })
	return s, nil
}

// pgStore is the shared store with PostgreSQL's own cross-user path, and
// the generation learnt by LISTEN (see watch.go).
type pgStore struct {
	*sqlstore.Store
	watch *watch
}

// Generation returns the generation the watch last took while its lease
// vouches for it, else reads it from the database.
func (s *pgStore) Generation(ctx context.Context) (int64, error) {
	if gen, ok := s.watch.current(); ok {
		return gen, nil
	}
	return s.Store.Generation(ctx)
}

// Close stops the watch (removing its row) and closes the database.
func (s *pgStore) Close() error {
	s.watch.close()
	return s.Store.Close()
}

// Privileged returns the cross-user path: see privileged.
func (s *pgStore) Privileged() store.Privileged {
	return &privileged{Privileged: s.Store.Privileged(), db: s.DB()}
}

var _ store.Store = (*pgStore)(nil)

// dekReferences are the foreign keys from sealed rows to the DEK version
// that sealed them (migration 7): a row written under a version deleted
// meanwhile violates one.
var dekReferences = map[string]bool{"connections_dek_fkey": true, "oauth_states_dek_fkey": true}

func constraint(err error) error {
	var e *pgconn.PgError
	if !errors.As(err, &e) {
		return nil
	}
	switch e.Code {
	case "23505": // unique_violation
		return store.ErrAlreadyExists
	case "23503": // foreign_key_violation
		if dekReferences[e.ConstraintName] {
			return store.ErrStaleDEK
		}
		return store.ErrNotFound
	}
	return nil
}
