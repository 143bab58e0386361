package sqlstore

import (
	"context"
	"database/sql"
	"sync"
)

// stmtCache keeps one prepared statement per query text. The queries are
// the store's own constants, so the cache is bounded by the code.
type stmtCache struct {
	mu sync.Mutex
	m  map[string]*sql.Stmt
}

// prepare returns q prepared on db; database/sql prepares it on each
// connection once and reuses it there (also through Tx.StmtContext).
func (c *stmtCache) prepare(ctx context.Context, db *sql.DB, q string) (*sql.Stmt, error) {
	c.mu.Lock()
	st, ok := c.m[q]
	c.mu.Unlock()
	if !ok {
		var err error
		if st, err = db.PrepareContext(ctx, q); err != nil {
			return nil, err
		}
		c.mu.Lock()
		if prev, dup := c.m[q]; dup {
			st.Close()
			st = prev
		} else {
			if c.m == nil {
				c.m = map[string]*sql.Stmt{}
			}
			c.m[q] = st
		}
		c.mu.Unlock()
	}
	return st, nil
}

func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, st := range c.m {
		st.Close()
	}
	c.m = nil
}
