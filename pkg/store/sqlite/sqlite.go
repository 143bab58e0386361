package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/mcpgate/mcpgate/pkg/store"
	"github.com/mcpgate/mcpgate/pkg/store/sqlstore"
)

func init() { store.Register("sqlite", Open) }

// migrations are SQLite's own statements for a schema version, appended
// to the shared ones (rebuilding a table whose key changes).
//
//go:embed migrations/*.sql
var migrations embed.FS

// params are the connection settings; the pragmas apply to every
// connection in the pool. The synchronous pragma comes from the URL's
// sync parameter (see syncMode).
const params = "_pragma=busy_timeout(5000)&_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)" +
	"&_txlock=immediate&_pragma=synchronous"

// syncModes are the values of the URL's sync parameter, and the
// synchronous pragma each stands for (WAL mode):
//
//	full    every commit (so every audit record) is on disk before it
//	        returns: nothing committed is lost to a crash of the process
//	        or of the machine (power loss). The default.
//	normal  every commit is written to the operating system before it
//	        returns, and on disk at the next checkpoint: nothing committed
//	        is lost to a crash of mcpgate; a power loss or kernel crash may
//	        lose the last moments' commits (never the database's
//	        consistency). It spares a disk sync per commit.
var syncModes = map[string]string{"full": "(FULL)", "normal": "(NORMAL)"}

// dialect has no scope hooks, as SQLite has no row-level security (the
// query layer's user_id filter is all the scoping there is), and no Lock,
// as BEGIN IMMEDIATE already makes write transactions take turns.
var dialect = &sqlstore.Dialect{
	Name:               "sqlite",
	Constraint:         constraint,
	PlainReads:         true,
	OneStatementAppend: true,
	HasTable:           "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?",
	// STRICT tables refuse a value of the wrong type instead of storing it.
	Migrations: sqlstore.MustMigrations(sqlstore.Types{
		BigInt:  "INTEGER",
		Bool:    "INTEGER",
		Blob:    "BLOB",
		Serial:  "INTEGER PRIMARY KEY AUTOINCREMENT",
		Options: " STRICT",
	}, sqlstore.MustSub(migrations, "migrations")),
}

// useFdatasync makes SQLite commit with fdatasync(2) rather than fsync(2),
// as SQLite's own builds for Linux do: the file's data and size reach the
// disk all the same, but not its timestamps, whose journal commit a
// commit may otherwise wait for (under load on a 2-core VM it took the
// WAL sync's median from about 450 to 385 µs, both measured under
// strace). Where the platform has no fdatasync (macOS, Windows) SQLite
// keeps its own way of syncing.
var useFdatasync = sync.OnceFunc(func() { _, _ = sqlite.Fdatasync(true) })

// Open opens (creating if need be) the database file u names.
func Open(ctx context.Context, u *url.URL) (store.Store, error) {
	useFdatasync()
	path, err := filePath(u)
	if err != nil {
		return nil, err
	}
	syncPragma, err := syncMode(u)
	if err != nil {
		return nil, err
	}
	if err := create(path); err != nil {
		return nil, err
	}
	db, err := sql.Open("sqlite", path+"?"+params+syncPragma)
	if err != nil {
		return nil, fmt.Errorf("open sqlite database %s: %w", path, err)
	}
	// Keep the connections open: opening one runs the pragmas and
	// re-prepares every statement, which under load cost more than the
	// queries themselves. WAL readers run in parallel; writers take turns.
	db.SetMaxOpenConns(16)
	db.SetMaxIdleConns(16)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open sqlite database %s: %w", path, err)
	}
	return sqlstore.New(db, dialect), nil
}

// syncMode reads the URL's only parameter, sync (full or normal).
func syncMode(u *url.URL) (string, error) {
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return "", fmt.Errorf("sqlite url %q: %w", u.Redacted(), err)
	}
	for k := range q {
		if k != "sync" {
			return "", fmt.Errorf("sqlite url %q: unknown parameter %q (the only one is sync=full|normal)", u.Redacted(), k)
		}
	}
	mode := q.Get("sync")
	if mode == "" {
		mode = "full"
	}
	pragma, ok := syncModes[mode]
	if !ok || len(q["sync"]) > 1 {
		return "", fmt.Errorf("sqlite url %q: sync must be full or normal", u.Redacted())
	}
	return pragma, nil
}

func filePath(u *url.URL) (string, error) {
	switch {
	case u.Host != "" || u.Opaque != "":
		return "", fmt.Errorf("sqlite url %q: use sqlite:///absolute/path/mcpgate.db (three slashes)", u.Redacted())
	case !filepath.IsAbs(u.Path) || strings.Contains(u.Path, "?"):
		return "", fmt.Errorf("sqlite url %q: the path must be absolute and contain no '?'", u.Redacted())
	}
	return filepath.Clean(u.Path), nil
}

// create makes the database file readable by its owner only, before SQLite
// creates it with the umask's mode; SQLite gives the -wal and -shm files
// the same mode. An existing file is left as it is.
func create(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("create sqlite database: %w", err)
	}
	return f.Close()
}

func constraint(err error) error {
	var e *sqlite.Error
	if !errors.As(err, &e) {
		return nil
	}
	switch e.Code() {
	case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		return store.ErrAlreadyExists
	case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
		return store.ErrNotFound
	}
	return nil
}
