// Package store is mcpgate's persistence: the Store interface, the records it
// keeps, and the registry of drivers opened by URL (sqlite://, postgres://).
//
// Every per-user row is reached through a UserStore, a handle scoped to one
// user; the handful of operations that must cross users go through
// Privileged. On PostgreSQL, Row-Level Security enforces the same scoping in
// the database itself.
package store
