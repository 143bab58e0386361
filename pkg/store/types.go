package store

import "time"

// User is a person whose credentials mcpgate keeps.
type User struct {
	ID        string
	Name      string
	Admin     bool
	CreatedAt time.Time
}

// DEK is a user's data-encryption key, stored only wrapped by the KEK.
type DEK struct {
	UserID    string
	Version   int    // increases by one on every rotate-dek
	KEKID     string // the id (and version) of the KEK that wrapped it
	Wrapped   []byte
	CreatedAt time.Time
}

// Connection is a stored upstream credential with its non-secret metadata.
type Connection struct {
	ID         string
	UserID     string
	Name       string // unique per user; also the tool-name prefix
	Provider   string // "github", "slack", ...
	AuthKind   string // "api_key" or "oauth2"
	Account    string // the upstream account the credential belongs to
	Scopes     string
	Status     string // "ok", "needs_reauth", ...
	APIURL     string // per-connection API base URL override, "" for the provider's
	Credential []byte // ciphertext sealed by the vault
	DEKVersion int    // DEK version that sealed Credential
	ExpiresAt  time.Time
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// APIKey is an mgw_ app key; only its Argon2id hash is kept.
type APIKey struct {
	ID         string // public key id, the part of the key after mgw_
	UserID     string
	Name       string
	Hash       string   // PHC string
	Scope      []string // connection names; empty means all
	CreatedAt  time.Time
	LastUsedAt time.Time
	RevokedAt  time.Time // zero when active
}

// Revoked reports whether k may no longer be used.
func (k APIKey) Revoked() bool { return !k.RevokedAt.IsZero() }

// Policy is a guardrail policy document for one key, or the user's default
// when KeyID is "".
type Policy struct {
	UserID    string
	KeyID     string
	Body      string
	UpdatedAt time.Time
}

// AuditRecord is one tool call and what came of it.
type AuditRecord struct {
	Seq       int64 // assigned by the store, increasing per store
	UserID    string
	Time      time.Time
	KeyID     string
	Tool      string
	Arguments string // JSON
	Decision  string
	Rule      string
	Outcome   string // "ok", "error", "denied"
	Error     string
	LatencyUS int64
	PrevHash  string
	Hash      string
}

// AuditFilter narrows an audit listing.
type AuditFilter struct {
	Since, Until time.Time
	Tool         string
	KeyID        string
	AfterSeq     int64
	Limit        int
}

// OAuthState is a pending authorization, looked up by the hash of its state.
type OAuthState struct {
	StateHash string
	UserID    string
	Provider  string
	Name      string
	Verifier  []byte // sealed by the vault
	ExpiresAt time.Time
	CreatedAt time.Time
}
