package sqlite_test

import (
	"database/sql"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	msqlite "modernc.org/sqlite"

	"github.com/mcpgate/mcpgate/pkg/store"
	"github.com/mcpgate/mcpgate/pkg/store/sqlite"
	"github.com/mcpgate/mcpgate/pkg/store/storetest"
)

func open(t *testing.T, path string) store.Store {
	t.Helper()
	st, err := store.Open(t.Context(), "sqlite://"+path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		return open(t, filepath.Join(t.TempDir(), "mcpgate.db"))
	})
}

func TestFileModeIsOwnerOnly(t *testing.T) {
	path := filepath.Join(t.TempDir(), "mcpgate.db")
	st := open(t, path)
	if err := st.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{path, path + "-wal"} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != 0o600 {
			t.Errorf("%s: mode %v, want -rw-------", filepath.Base(p), got)
		}
	}
}

// TestSettings checks the pragmas every pooled connection must run with:
// audit records durable at commit, foreign keys enforced, writers queueing.
func TestSettings(t *testing.T) {
	st := open(t, filepath.Join(t.TempDir(), "mcpgate.db"))
	db := st.(interface{ DB() *sql.DB }).DB()
	db.SetMaxIdleConns(4)
	tests := []struct{ pragma, want string }{
		{"journal_mode", "wal"},
		{"synchronous", "2"}, // FULL
		{"foreign_keys", "1"},
		{"busy_timeout", "5000"},
	}
	// Hold several connections at once so the check is not of one only.
	for range 3 {
		conn, err := db.Conn(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		for _, tt := range tests {
			var got string
			if err := conn.QueryRowContext(t.Context(), "PRAGMA "+tt.pragma).Scan(&got); err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("PRAGMA %s = %s, want %s", tt.pragma, got, tt.want)
			}
		}
	}
}

// TestCommitsWithFdatasync checks that an open store has SQLite sync with
// fdatasync where the platform has it, as SQLite's own Linux builds do.
func TestCommitsWithFdatasync(t *testing.T) {
	open(t, filepath.Join(t.TempDir(), "mcpgate.db"))
	if runtime.GOOS == "linux" && !msqlite.FdatasyncEnabled() {
		t.Error("SQLite syncs with fsync on Linux, want fdatasync")
	}
}

// TestSyncNormal checks that sync=normal reaches every pooled connection.
func TestSyncNormal(t *testing.T) {
	u, err := url.Parse("sqlite://" + filepath.Join(t.TempDir(), "mcpgate.db") + "?sync=normal")
	if err != nil {
		t.Fatal(err)
	}
	st, err := sqlite.Open(t.Context(), u)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	db := st.(interface{ DB() *sql.DB }).DB()
	for range 3 {
		conn, err := db.Conn(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		var got string
		if err := conn.QueryRowContext(t.Context(), "PRAGMA synchronous").Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != "1" {
			t.Errorf("PRAGMA synchronous = %s, want 1 (NORMAL)", got)
		}
	}
}

func TestURLs(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		url    string
		wantOK bool
	}{
		{"sqlite://" + filepath.Join(dir, "a.db"), true},
		{"sqlite://relative/a.db", false},
		{"sqlite:a.db", false},
		{"sqlite://" + filepath.Join(dir, "a.db") + "?_pragma=foreign_keys(0)", false},
		{"sqlite://" + filepath.Join(dir, "a.db") + "?sync=full", true},
		{"sqlite://" + filepath.Join(dir, "a.db") + "?sync=normal", true},
		{"sqlite://" + filepath.Join(dir, "a.db") + "?sync=off", false},
		{"sqlite://" + filepath.Join(dir, "a.db") + "?sync=full&sync=normal", false},
		{"sqlite://" + filepath.Join(dir, "a.db") + "?sync=normal&foreign_keys=0", false},
		{"sqlite://" + filepath.Join(dir, "missing", "a.db"), false},
	}
	for _, tt := range tests {
		u, err := url.Parse(tt.url)
		if err != nil {
			t.Fatal(err)
		}
		st, err := sqlite.Open(t.Context(), u)
		if st != nil {
			st.Close()
		}
		if got := err == nil; got != tt.wantOK {
			t.Errorf("Open(%q): error %v, want ok=%v", tt.url, err, tt.wantOK)
		}
	}
}
