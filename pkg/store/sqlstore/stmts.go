package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"sync"
	"time"
)

// stmtCache keeps one prepared statement per query text. The queries are
// the store's own constants, so the cache is bounded by the code.
type stmtCache struct {
	mu      sync.Mutex
	m       map[string]*sql.Stmt
	pending map[string]bool // being prepared in the background
	closed  bool
	// The background preparations: close cancels and waits for them, so
	// that none opens a connection (on SQLite, its files) after the store
	// is closed.
	bg     sync.WaitGroup
	stopBg context.CancelFunc
	bgCtx  context.Context
}

// errNotPrepared means a statement is not in the cache yet.
var errNotPrepared = errors.New("statement not prepared yet")

// prepare returns q prepared on db; database/sql prepares it on each
// connection once and reuses it there (also through Tx.StmtContext).
// Preparing takes a connection from the pool, so only a caller that holds
// none may call it: see cached.
func (c *stmtCache) prepare(ctx context.Context, db *sql.DB, q string) (*sql.Stmt, error) {
	if st := c.lookup(q); st != nil {
		return st, nil
	}
	st, err := db.PrepareContext(ctx, q)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		st.Close()
		return nil, errors.New("the store is closed")
	}
	if prev, dup := c.m[q]; dup {
		st.Close()
		return prev, nil
	}
	if c.m == nil {
		c.m = map[string]*sql.Stmt{}
	}
	c.m[q] = st
	return st, nil
}

func (c *stmtCache) lookup(q string) *sql.Stmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[q]
}

// cached returns q's statement for a caller inside a transaction, or
// errNotPrepared and prepares it in the background for next time. A
// transaction holds a connection; had it to wait for a second one, a full
// pool of transactions doing the same would wait for each other forever
// (on PostgreSQL while holding row and advisory locks).
func (c *stmtCache) cached(db *sql.DB, q string) (*sql.Stmt, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if st, ok := c.m[q]; ok {
		return st, nil
	}
	if !c.pending[q] && !c.closed {
		if c.pending == nil {
			c.pending = map[string]bool{}
		}
		c.pending[q] = true
		if c.bgCtx == nil {
			c.bgCtx, c.stopBg = context.WithCancel(context.Background())
		}
		c.bg.Add(1)
		go func() {
			defer c.bg.Done()
			ctx, cancel := context.WithTimeout(c.bgCtx, time.Minute)
			defer cancel()
			_, _ = c.prepare(ctx, db, q) // on failure the query runs unprepared, and shows the error
			c.mu.Lock()
			delete(c.pending, q)
			c.mu.Unlock()
		}()
	}
	return nil, errNotPrepared
}

func (c *stmtCache) close() {
	c.mu.Lock()
	for _, st := range c.m {
		st.Close()
	}
	c.m, c.closed = nil, true
	if c.stopBg != nil {
		c.stopBg()
	}
	c.mu.Unlock()
	c.bg.Wait()
}
