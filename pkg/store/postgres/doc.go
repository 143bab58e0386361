// Package postgres registers the PostgreSQL driver (pgx) for database URLs
// with the schemes postgres:// and postgresql://.
//
// PostgreSQL enforces user scoping itself. Migrations, run as the tables'
// owner, create the NOLOGIN, NOBYPASSRLS roles mcpgate_app and
// mcpgate_admin and enable and force Row-Level Security on every per-user
// table. Every user-scoped transaction switches to mcpgate_app and sets
// mcpgate.user_id, which the policies compare each row's owner with. The
// admin commands' cross-user transactions switch to mcpgate_admin, which
// only the owner may; what serve does across users goes through a few
// SECURITY DEFINER functions (privileged.go). serve logs in as a role of
// its own, a member of mcpgate_app alone (login.go), so nothing it runs
// can become the owner or see every user's rows. Audit appends and prunes
// for one user are serialised with a transaction-scoped advisory lock;
// rate counters are counted by one conditional upsert.
package postgres
