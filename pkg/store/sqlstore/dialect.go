package sqlstore

import (
	"context"
	"database/sql"
	"errors"
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
	// Pipeline, where set, runs steps in order in one transaction whose
	// statements are all sent at once (one round trip to the server), and
	// commits it. It returns only once the commit is durable, or has
	// failed; it calls each step's Rows before that, so what they learn
	// must not be acted on until it returns nil. Each step runs scoped to
	// its UserID as ScopeUser scopes a user's transaction, after taking
	// its Lock key (if any), as Lock does, until the commit. An error
	// wrapping ErrNotCommitted means nothing of the steps was committed;
	// any other error leaves that unknown.
	Pipeline func(ctx context.Context, db *sql.DB, steps []Step) error
	// HasTable is a query with one parameter, a table name in the current
	// schema, returning a count that is 0 if there is no such table.
	HasTable string
	// Migrations are the schema versions, ascending from 1 (numbers may
	// be skipped: versions are assigned to changes ahead of time): the shared
	// tables rendered for the engine, see Migrations.
	Migrations []Migration
}

// Step is one statement of a Dialect.Pipeline.
type Step struct {
	UserID string
	Lock   string
	SQL    string // in the dialect's placeholders (rebound)
	Args   []any
	Rows   func(Rows) error // reads the statement's rows; may be nil
}

// Rows are a Step's result rows.
type Rows interface {
	Next() bool
	Scan(dest ...any) error
}

// ErrNotCommitted means a Pipeline's transaction did not commit: nothing
// of it was stored.
var ErrNotCommitted = errors.New("the transaction was not committed")

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
