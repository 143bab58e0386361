// Package sqlite registers the embedded SQLite driver for database URLs of
// the form sqlite:///absolute/path/mcpgate.db.
//
// It uses modernc.org/sqlite (pure Go, no cgo) with WAL, a 5 s busy
// timeout, foreign keys on, synchronous=FULL (an audit record is on disk
// when its transaction commits) and BEGIN IMMEDIATE for write
// transactions, so writers queue for the lock up front instead of failing
// to upgrade a read lock. A new database file is created with mode 0600.
//
// SQLite has no row-level security: user scoping is the user_id filter
// that package sqlstore puts on every query of a user-scoped handle.
package sqlite
