// Package sqlitetest gives tests a migrated SQLite store in a temporary
// directory, and users in it.
package sqlitetest

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/mcpgate/mcpgate/pkg/store"
	_ "github.com/mcpgate/mcpgate/pkg/store/sqlite" // the sqlite:// driver
)

// Open returns a migrated store on a new database file, closed when the
// test ends, and the file's path.
func Open(t testing.TB) (store.Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "mcpgate.db")
	st, err := store.Open(t.Context(), "sqlite://"+path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	return st, path
}

// AddUser creates user id (named id) with a placeholder DEK.
func AddUser(t testing.TB, st store.Store, id string) {
	t.Helper()
	dek := store.DEK{UserID: id, Version: 1, KEKID: "local:1", Wrapped: []byte("wrapped-" + id), CreatedAt: time.Now()}
	if err := st.Privileged().CreateUser(t.Context(), store.User{ID: id, Name: id, CreatedAt: time.Now()}, dek); err != nil {
		t.Fatal(err)
	}
}
