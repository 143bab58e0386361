package sqlstore

import (
	"context"
	"database/sql"
	"errors"

	"github.com/mcpgate/mcpgate/pkg/store"
)

// tx is a transaction whose queries are written with ? placeholders. Tx
// is nil for a single-statement read run outside a transaction (see
// Dialect.PlainReads).
type tx struct {
	*sql.Tx
	d *Dialect
	s *Store
}

// querier is what tx and *sql.DB have in common.
type querier interface {
	ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
}

func (t tx) direct() querier {
	if t.Tx == nil {
		return t.s.db
	}
	return t.Tx
}

// stmt returns q prepared for this transaction. Statements are prepared
// once per connection and kept, because parsing SQL was a large part of
// a tool call's cost.
func (t tx) stmt(ctx context.Context, q string) (*sql.Stmt, error) {
	if t.Tx == nil {
		return t.s.stmts.prepare(ctx, t.s.db, t.d.rebind(q))
	}
	st, err := t.s.stmts.cached(t.s.db, t.d.rebind(q))
	if err != nil {
		return nil, err
	}
	return t.Tx.StmtContext(ctx, st), nil
}

// The query methods fall back to running q unprepared when it is not
// prepared yet in a transaction (see stmtCache.cached), or cannot be
// prepared outside it (a table the transaction itself creates, during a
// migration); a real error then shows there.

func (t tx) exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	if st, err := t.stmt(ctx, q); err == nil {
		return st.ExecContext(ctx, args...)
	}
	return t.direct().ExecContext(ctx, t.d.rebind(q), args...)
}

func (t tx) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	if st, err := t.stmt(ctx, q); err == nil {
		return st.QueryContext(ctx, args...)
	}
	return t.direct().QueryContext(ctx, t.d.rebind(q), args...)
}

func (t tx) queryRow(ctx context.Context, q string, args ...any) *sql.Row {
	if st, err := t.stmt(ctx, q); err == nil {
		return st.QueryRowContext(ctx, args...)
	}
	return t.direct().QueryRowContext(ctx, t.d.rebind(q), args...)
}

// lock holds key until the transaction ends; see Dialect.Lock.
func (t tx) lock(ctx context.Context, key string) error {
	if t.d.Lock == nil {
		return nil
	}
	return t.d.Lock(ctx, t.Tx, "mcpgate:"+key)
}

// execOne runs a statement meant to change one row; if it changed none,
// the row is not there (or not the handle's): store.ErrNotFound.
func (t tx) execOne(ctx context.Context, q string, args ...any) error {
	res, err := t.exec(ctx, q, args...)
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return store.ErrNotFound
	}
	return nil
}

// run runs fn in a transaction that scope prepares, commits it if fn
// succeeds, and translates driver errors into the store's sentinels.
// Read-only transactions do not take SQLite's write lock.
func (s *Store) run(ctx context.Context, readOnly bool, scope func(context.Context, *sql.Tx) error, fn func(tx) error) error {
	err := s.runTx(ctx, readOnly, scope, fn)
	if !readOnly && s.onWrite != nil {
		s.onWrite(ctx)
	}
	return err
}

// runHot is run for the writes of the request path (audit records, rate
// hits, a key's last use), which never move the generation, so skip the
// write hook (see SetWriteHook).
func (s *Store) runHot(ctx context.Context, scope func(context.Context, *sql.Tx) error, fn func(tx) error) error {
	return s.runTx(ctx, false, scope, fn)
}

func (s *Store) runTx(ctx context.Context, readOnly bool, scope func(context.Context, *sql.Tx) error, fn func(tx) error) error {
	if readOnly && s.d.PlainReads {
		if scope != nil {
			if err := scope(ctx, nil); err != nil {
				return err
			}
		}
		return s.translate(fn(tx{d: s.d, s: s}))
	}
	sqlTx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: readOnly})
	if err != nil {
		return s.translate(err)
	}
	t := tx{Tx: sqlTx, d: s.d, s: s}
	if scope != nil {
		err = scope(ctx, sqlTx)
	}
	if err == nil {
		err = fn(t)
	}
	if err == nil {
		err = sqlTx.Commit()
	} else {
		_ = sqlTx.Rollback() // the error that made us roll back is the one to report
	}
	return s.translate(err)
}

// translate maps "no row" and constraint violations to the store's
// sentinels. A translated error carries no driver text: the sentinel and
// the caller's context say all there is to say.
func (s *Store) translate(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return store.ErrNotFound
	}
	if s.d.Constraint != nil {
		if e := s.d.Constraint(err); e != nil {
			return e
		}
	}
	return err
}

// scanner is a *sql.Row or *sql.Rows.
type scanner interface{ Scan(dest ...any) error }

// collect runs q and scans every row with scan.
func collect[T any](ctx context.Context, t tx, scan func(scanner) (T, error), q string, args ...any) ([]T, error) {
	rows, err := t.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// runner is userStore.read/write or privileged.read/write.
type runner func(ctx context.Context, fn func(tx) error) error

// one runs q in a transaction of run and scans its single row; no row is
// store.ErrNotFound.
func one[T any](ctx context.Context, run runner, scan func(scanner) (T, error), q string, args ...any) (T, error) {
	var v T
	err := run(ctx, func(t tx) error {
		var err error
		v, err = scan(t.queryRow(ctx, q, args...))
		return err
	})
	return v, err
}

// all runs q in a transaction of run and scans every row.
func all[T any](ctx context.Context, run runner, scan func(scanner) (T, error), q string, args ...any) ([]T, error) {
	var v []T
	err := run(ctx, func(t tx) error {
		var err error
		v, err = collect(ctx, t, scan, q, args...)
		return err
	})
	return v, err
}
