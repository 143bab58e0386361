package sqlstore

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
)

// Dialect is what a driver tells the shared query layer about its engine.
// The hooks run inside the transaction they are given and must not commit
// or roll it back; a nil hook does nothing.
type Dialect struct {
	// Name names the engine in error messages: "sqlite", "postgres".
	Name string
	// Numbered rewrites ? placeholders to $1, $2, ... (PostgreSQL).
	Numbered bool
	// ScopeUser runs first in every transaction of a UserStore. Where the
	// engine can, it makes the database itself confine the transaction to
	// userID's rows; the queries filter by user id in any case.
	ScopeUser func(ctx context.Context, tx *sql.Tx, userID string) error
	// ScopePrivileged runs first in every transaction of Privileged.
	ScopePrivileged func(ctx context.Context, tx *sql.Tx) error
	// Lock blocks until no other transaction holds key, and holds it until
	// tx ends. Nil when write transactions are serialised anyway (SQLite's
	// BEGIN IMMEDIATE).
	Lock func(ctx context.Context, tx *sql.Tx, key string) error
	// Constraint returns store.ErrAlreadyExists for a unique violation,
	// store.ErrNotFound for a foreign-key violation (the row it refers to
	// does not exist; store.ErrStaleDEK where the engine names the
	// constraint and it is a sealed row's reference to its DEK version)
	// and nil for any other error.
	Constraint func(err error) error
	// PlainReads runs the store's reads, each a single statement, outside
	// an explicit transaction. Only for a dialect without scope hooks,
	// whose single statements see a consistent snapshot anyway (SQLite).
	PlainReads bool
	// OneStatementAppend lets an audit append whose chain head the Store
	// knows run as one INSERT that checks the head itself, outside a
	// transaction. Only for an engine that runs one writing statement at
	// a time and fails a statement whose snapshot went stale rather than
	// let it write (SQLite in WAL mode): there the check and the insert
	// cannot be split by another writer.
	OneStatementAppend bool
	// HasTable is a query with one parameter, a table name in the current
	// schema, returning a count that is 0 if there is no such table.
	HasTable string
	// Migrations are the schema versions, ascending from 1 (numbers may
	// be skipped: versions are assigned to changes ahead of time): the shared
	// tables rendered for the engine, see Migrations.
	Migrations []Migration
}

// rebind rewrites q's ? placeholders for the dialect. The shared queries
// never contain a literal question mark.
func (d *Dialect) rebind(q string) string {
	if !d.Numbered || !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 8)
	n := 0
	for _, r := range q {
		if r != '?' {
			b.WriteRune(r)
			continue
		}
		n++
		b.WriteByte('$')
		b.WriteString(strconv.Itoa(n))
	}
	return b.String()
}
