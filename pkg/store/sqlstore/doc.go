// Package sqlstore is the one implementation of store.Store on database/sql,
// shared by the sqlite and postgres drivers.
//
// Queries are written once, with ? placeholders and SQL that both engines
// accept; a Dialect says the little that differs: placeholder style, what
// to run at the start of a user-scoped or privileged transaction, how to
// serialise writers, and which driver errors are constraint violations.
//
// Every query of a user-scoped handle filters by the handle's user id. On
// SQLite that filter is the only scoping there is, so it lives here, in one
// place; on PostgreSQL, Row-Level Security enforces it a second time.
//
// The schema is versioned: the tables are shared templates in migrations/,
// rendered with each engine's column types, and a driver may add its own
// statements to a version (PostgreSQL's role, grants and policies).
package sqlstore
