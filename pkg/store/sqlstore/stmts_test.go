package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"testing"
	"time"

	_ "modernc.org/sqlite"
)

// TestCloseWaitsForBackgroundPreparations: a statement being prepared in
// the background when the store closes is given up and waited for, so no
// connection (on SQLite, no file) is opened after Close returns.
func TestCloseWaitsForBackgroundPreparations(t *testing.T) {
	db, err := sql.Open("sqlite", "file:"+filepath.Join(t.TempDir(), "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	ctx := context.Background()
	held, err := db.Conn(ctx) // the pool's one connection: the preparation waits for it
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	var c stmtCache
	if _, err := c.cached(db, "SELECT 1"); !errors.Is(err, errNotPrepared) {
		t.Fatalf("cached = %v, want errNotPrepared", err)
	}
	closed := make(chan struct{})
	go func() { c.close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(10 * time.Second):
		t.Fatal("close did not give up the waiting preparation")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.pending) != 0 {
		t.Fatalf("close returned while %d preparation(s) still ran", len(c.pending))
	}
}
