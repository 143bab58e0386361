package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/mcpgate/mcpgate/pkg/store/sqlstore"
)

// pipeline runs steps as one pgx batch: every statement is sent at once,
// and the server runs them in one implicit transaction that commits at
// the batch's end (with synchronous_commit, durably) or, at the first
// failing statement, rolls back whole. Each step is preceded, when its
// user differs from the step before's, by the statement that scopes the
// transaction to that user (the app role, the user id RLS reads: what
// ScopeUser does), and by its lock.
func pipeline(ctx context.Context, db *sql.DB, steps []sqlstore.Step) error {
	conn, err := db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("%w: %w", sqlstore.ErrNotCommitted, err)
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error {
		c := dc.(*stdlib.Conn).Conn()
		b := &pgx.Batch{}
		user := ""
		for _, st := range steps {
			if st.UserID != user || user == "" {
				b.Queue(scopeUserSQL, st.UserID)
				user = st.UserID
			}
			if st.Lock != "" {
				b.Queue(lockSQL, st.Lock)
			}
			q := b.Queue(st.SQL, st.Args...)
			if st.Rows != nil {
				read := st.Rows
				q.Query(func(rows pgx.Rows) error {
					if err := read(rows); err != nil {
						return err
					}
					return rows.Err()
				})
			}
		}
		// Close reads every result and then the server's word that the
		// transaction ended; only then is it known to have committed.
		err := c.SendBatch(ctx, b).Close()
		if err == nil {
			return nil
		}
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) || pgconn.SafeToRetry(err) {
			// The server refused a statement, so rolled the transaction
			// back; or nothing reached it.
			return fmt.Errorf("%w: %w", sqlstore.ErrNotCommitted, err)
		}
		return err
	})
}

// scopeUserSQL is ScopeUser's statement; lockSQL is Lock's.
const (
	scopeUserSQL = `SELECT set_config('role', '` + AppRole + `', true), set_config('mcpgate.user_id', $1, true)`
	lockSQL      = "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))"
)
