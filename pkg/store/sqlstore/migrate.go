package sqlstore

import (
	"context"
	"fmt"
	"time"

	"github.com/mcpgate/mcpgate/pkg/store"
)

// The schema operations run without a user or privileged scope: they are
// about the tables, not anyone's rows, and on PostgreSQL they need the
// connecting role, which owns the tables.

const createMigrationsTable = `CREATE TABLE IF NOT EXISTS schema_migrations (
	version    BIGINT PRIMARY KEY,
	applied_at BIGINT NOT NULL DEFAULT 0
)`

// latest is the schema version this binary knows.
func (s *Store) latest() int {
	if n := len(s.d.Migrations); n > 0 {
		return s.d.Migrations[n-1].Version
	}
	return 0
}

// Migrate applies each missing version in its own transaction. Concurrent
// migrations of one database wait for each other.
func (s *Store) Migrate(ctx context.Context) error { return s.MigrateTo(ctx, s.latest()) }

// MigrateTo is Migrate stopping at version: what the tests of a migration
// need to make a database of the version before it.
func (s *Store) MigrateTo(ctx context.Context, version int) error {
	for _, m := range s.d.Migrations {
		if m.Version > version {
			break
		}
		err := s.run(ctx, false, nil, func(t tx) error { return s.apply(ctx, t, m) })
		if err != nil {
			return fmt.Errorf("migrate %s schema to version %d: %w", s.d.Name, m.Version, err)
		}
	}
	return nil
}

func (s *Store) apply(ctx context.Context, t tx, m Migration) error {
	if err := t.lock(ctx, "migrate"); err != nil {
		return err
	}
	if _, err := t.ExecContext(ctx, createMigrationsTable); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	v, err := s.version(ctx, t)
	if err != nil {
		return err
	}
	if v > s.latest() {
		return s.compare(v)
	}
	if v >= m.Version {
		return nil
	}
	if _, err := t.ExecContext(ctx, m.SQL); err != nil {
		return err
	}
	_, err = t.exec(ctx, "INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)", m.Version, micros(time.Now()))
	return err
}

// CheckSchema compares the database's schema version with the binary's.
func (s *Store) CheckSchema(ctx context.Context) error {
	var v int
	err := s.run(ctx, true, nil, func(t tx) error {
		var err error
		v, err = s.version(ctx, t)
		return err
	})
	if err != nil {
		return fmt.Errorf("check %s schema: %w", s.d.Name, err)
	}
	return s.compare(v)
}

// version is the highest version recorded, 0 for an empty database.
func (s *Store) version(ctx context.Context, t tx) (int, error) {
	var n int
	if err := t.queryRow(ctx, s.d.HasTable, "schema_migrations").Scan(&n); err != nil {
		return 0, fmt.Errorf("look for schema_migrations: %w", err)
	}
	if n == 0 {
		return 0, nil
	}
	var v int64
	if err := t.queryRow(ctx, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations").Scan(&v); err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	return int(v), nil
}

func (s *Store) compare(v int) error {
	switch latest := s.latest(); {
	case v > latest:
		return fmt.Errorf("%w: the database is at version %d and this mcpgate knows only %d: upgrade mcpgate", store.ErrSchemaTooNew, v, latest)
	case v < latest:
		return fmt.Errorf("%w: the database is at version %d and this mcpgate needs %d: run `mcpgate init` to migrate it", store.ErrSchemaTooOld, v, latest)
	}
	return nil
}
