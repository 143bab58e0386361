package store

import (
	"context"
	"errors"
	"time"
)

// Errors drivers translate into.
var (
	ErrNotFound      = errors.New("not found")
	ErrAlreadyExists = errors.New("already exists")
	// ErrSchemaTooNew means the database was migrated by a newer mcpgate.
	ErrSchemaTooNew = errors.New("database schema is newer than this mcpgate")
	// ErrSchemaTooOld means the database needs `mcpgate init` to migrate it.
	ErrSchemaTooOld = errors.New("database schema is older than this mcpgate")
)

// Store is an open database. Implementations are safe for concurrent use.
type Store interface {
	// User returns a handle that can see and change only userID's rows.
	User(userID string) UserStore
	// Privileged returns the narrow path for operations that cross users.
	Privileged() Privileged
	// Migrate brings the schema to the version this binary knows.
	Migrate(ctx context.Context) error
	// CheckSchema returns ErrSchemaTooNew or ErrSchemaTooOld unless the
	// schema is exactly the version this binary knows.
	CheckSchema(ctx context.Context) error
	// Ping reports whether the database answers.
	Ping(ctx context.Context) error
	// Close releases the database; safe to call more than once.
	Close() error
}

// Privileged holds the operations that must cross users: creating and
// listing users, finding an API key before its owner is known, and KEK
// rotation. Nothing else may use it.
type Privileged interface {
	// CreateUser stores u and its first DEK in one transaction.
	// ErrAlreadyExists if the name is taken.
	CreateUser(ctx context.Context, u User, dek DEK) error
	ListUsers(ctx context.Context) ([]User, error)
	// UserByName returns ErrNotFound if there is no such user.
	UserByName(ctx context.Context, name string) (User, error)
	// DeleteUser deletes the user, its DEK and all its rows.
	DeleteUser(ctx context.Context, userID string) error
	// APIKey looks a key up by its public id; ErrNotFound if unknown.
	APIKey(ctx context.Context, keyID string) (APIKey, error)
	// OAuthState finds a pending authorization by state hash and deletes
	// it in the same transaction, so it can be used once; ErrNotFound if
	// unknown.
	TakeOAuthState(ctx context.Context, stateHash string) (OAuthState, error)
	// ListDEKs returns every user's DEK.
	ListDEKs(ctx context.Context) ([]DEK, error)
	// ReplaceDEK stores a rewrapped DEK if the stored one still has
	// old.KEKID and old.Version; ErrNotFound otherwise.
	ReplaceDEK(ctx context.Context, old, updated DEK) error
}

// UserStore is scoped to one user: every method reads and writes that
// user's rows only, and ErrNotFound is what another user's row looks like.
type UserStore interface {
	UserID() string
	DEK(ctx context.Context) (DEK, error)

	// CreateConnection: ErrAlreadyExists if the name is taken.
	CreateConnection(ctx context.Context, c Connection) error
	Connection(ctx context.Context, name string) (Connection, error)
	ListConnections(ctx context.Context) ([]Connection, error)
	// UpdateConnection replaces everything but ID, UserID, Name, CreatedAt.
	UpdateConnection(ctx context.Context, c Connection) error
	DeleteConnection(ctx context.Context, name string) error

	// CreateAPIKey: ErrAlreadyExists if the name is taken by an active key.
	CreateAPIKey(ctx context.Context, k APIKey) error
	APIKeyByName(ctx context.Context, name string) (APIKey, error)
	ListAPIKeys(ctx context.Context) ([]APIKey, error)
	// UpdateAPIKey replaces Name, Hash, Scope, RevokedAt of the key with k.ID.
	UpdateAPIKey(ctx context.Context, k APIKey) error
	// ReplaceAPIKey revokes old and creates new in one transaction.
	ReplaceAPIKey(ctx context.Context, oldID string, k APIKey) error
	TouchAPIKey(ctx context.Context, keyID string, at time.Time) error

	PutPolicy(ctx context.Context, p Policy) error
	// Policy: ErrNotFound if none is set for keyID ("" is the default).
	Policy(ctx context.Context, keyID string) (Policy, error)

	// AppendAudit stores records in order, each chained to the one before
	// it (PrevHash, Hash are set by the store through hash), and returns
	// them as stored.
	AppendAudit(ctx context.Context, recs []AuditRecord, hash func(prev string, r AuditRecord) string) ([]AuditRecord, error)
	ListAudit(ctx context.Context, f AuditFilter) ([]AuditRecord, error)

	PutOAuthState(ctx context.Context, s OAuthState) error
}
