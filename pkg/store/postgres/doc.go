// Package postgres registers the PostgreSQL driver (pgx) for database URLs
// with the schemes postgres:// and postgresql://.
//
// PostgreSQL enforces user scoping itself. Migrations, run as the
// connecting role, create the NOLOGIN, NOBYPASSRLS role mcpgate_app and
// enable and force Row-Level Security on every per-user table. Every
// transaction of the store switches to mcpgate_app first; a user-scoped
// one then sets mcpgate.user_id, which the policies compare each row's
// owner with, and a privileged one sets mcpgate.privileged. Audit appends
// and prunes for one user are serialised with a transaction-scoped
// advisory lock; rate counters are counted by one conditional upsert.
package postgres
