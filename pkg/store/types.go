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
	UserID  string
	Version int    // increases by one on every rotate-dek
	KEKID   string // the id (and version) of the KEK that wrapped it
	Wrapped []byte
	// MAC proves the vault wrote this row (user, version, KEK id and
	// wrapped bytes) with the KEK registry's key; nil on rows written
	// before rows were authenticated.
	MAC       []byte
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
	// MCP is what is not secret about a connection to an MCP server (see
	// package mcpup), as JSON; "" for every other provider.
	MCP string
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

// AuditAppend is one user's records for Store.AppendAudits: UserID,
// Records and Hash (as UserStore.AppendAudit takes them) going in,
// Stored (the records as stored, in order) or Err coming out.
type AuditAppend struct {
	UserID  string
	Records []AuditRecord
	Hash    func(prev string, r AuditRecord) string
	Stored  []AuditRecord
	Err     error
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
	// Chain is the chain format that computed Hash (see package audit);
	// 0 is stored as 1, the unkeyed format of schema versions before 5.
	Chain int
}

// AuditFilter narrows an audit listing.
type AuditFilter struct {
	Since, Until time.Time
	Tool         string // exact match; glob matching is done above the store
	KeyID        string
	Decision     string // exact match, "" for any
	Outcome      string // exact match, "" for any
	AfterSeq     int64  // only records with a greater Seq, oldest first
	Limit        int
	// Ascending lists oldest first (export, verify) even without AfterSeq.
	Ascending bool
}

// AuditAnchor is what pruning leaves of the deleted part of a user's
// chain: the newest deleted record's Seq and Hash, which the oldest kept
// record's PrevHash must equal.
type AuditAnchor struct {
	UserID string
	Seq    int64
	Hash   string
	Pruned int64 // records deleted by pruning, in all
}

// AuditKey is a user's audit keys (the chain's HMAC key and the checkpoint
// signing key), sealed by the vault under the user's DEK.
type AuditKey struct {
	UserID     string
	Sealed     []byte
	DEKVersion int // the DEK version that sealed it
	CreatedAt  time.Time
}

// RateHit is one counted call against a rate limit.
type RateHit struct {
	KeyID       string
	Rule        string    // the policy rule's id
	WindowStart time.Time // start of the fixed window the call falls in
	Limit       int
}

// OAuthState is a pending authorization, looked up by the hash of its state.
type OAuthState struct {
	StateHash string
	UserID    string
	Provider  string
	Name      string
	Verifier  []byte // sealed by the vault
	// DEKVersion is the DEK version that sealed Verifier.
	DEKVersion int
	// Scopes, RedirectURL and Local (a loopback callback run by the CLI)
	// are what the callback needs to finish the flow.
	Scopes      string
	RedirectURL string
	Local       bool
	ExpiresAt   time.Time
	CreatedAt   time.Time
}

// KEK records where a key-encryption key lives: its provider URL (a key
// file's path or a KMS key's name; never key material).
type KEK struct {
	ID  string
	URL string
	// MACKey is the KEK registry's key wrapped by this KEK, so a process
	// configured with it can check the other entries; MAC authenticates
	// ID and URL under that key. Both are nil on entries written before
	// the registry was authenticated.
	MACKey    []byte
	MAC       []byte
	CreatedAt time.Time
}

// OAuthClient is a client of mcpgate's own authorization server.
type OAuthClient struct {
	ID           string
	Name         string
	Kind         string // "registered" (by the CLI), "dynamic" (RFC 7591)
	RedirectURIs []string
	SecretHash   string // SHA-256 hex of the secret; "" for a public client
	CreatedAt    time.Time
	LastUsedAt   time.Time
}

// OAuthRequest is an authorization in progress at mcpgate's own
// authorization server: asked for by a client, approved for a user, then
// exchanged for a grant by its code.
type OAuthRequest struct {
	ID            string // SHA-256 hex of the handle the browser holds
	ApprovalHash  string // SHA-256 hex of the code `mcpgate oauth approve` takes
	ClientID      string
	RedirectURI   string
	CodeChallenge string // PKCE S256
	Resource      string // the endpoint's path: /mcp or /mcp/<connection>
	State         string
	UserID        string // "" until approved
	CodeHash      string // "" until the code is issued
	CodeExpiresAt time.Time
	GrantKeyID    string   // the grant the code was exchanged for, once it was
	Policy        string   // the policy consented to, for the grant's key ("" none)
	Scope         []string // the connections consented to, for the grant's key (nil: all)
	ExpiresAt     time.Time
	CreatedAt     time.Time
}

// OAuthGrant is what a user consented to for a client: an app key (KeyID)
// usable only through tokens for Resource.
type OAuthGrant struct {
	KeyID      string
	UserID     string
	ClientID   string
	ClientName string
	Resource   string
	CreatedAt  time.Time
}

// OAuthToken is an access or refresh token of a grant, kept only as the
// SHA-256 hex of its value.
type OAuthToken struct {
	Hash      string
	UserID    string
	KeyID     string
	Kind      string // "access" or "refresh"
	Resource  string
	ExpiresAt time.Time
	UsedAt    time.Time // a refresh token's rotation; zero while unused
	CreatedAt time.Time
}

// Approval statuses.
const (
	ApprovalPending  = "pending"
	ApprovalApproved = "approved"
	ApprovalDenied   = "denied"
	ApprovalExpired  = "expired"
)

// Approval is a call that waits for, or got, a person's decision. It is
// bound to KeyID, Tool and ArgsHash (the SHA-256 of the call's canonical
// arguments): only a call by that key to that tool with those arguments
// can use it, once (UsedAt), before ExpiresAt.
type Approval struct {
	ID        string
	UserID    string
	KeyID     string
	Tool      string
	Rule      string // the policy entry that asked for approval
	ArgsHash  string // hex SHA-256 of the canonical arguments
	Arguments string // JSON, content fields as their hash and length
	// Sealed is the canonical arguments in full, sealed by the vault
	// under DEKVersion; empty once the call is decided.
	Sealed     []byte
	DEKVersion int
	Status     string // ApprovalPending, ...
	DecidedBy  string
	Reason     string
	CreatedAt  time.Time
	ExpiresAt  time.Time
	DecidedAt  time.Time
	UsedAt     time.Time
}

// ApprovalFilter narrows ListApprovals; empty fields match any row.
type ApprovalFilter struct {
	Status   string
	KeyID    string
	Tool     string
	ArgsHash string
	Limit    int
}

// ApprovalUse names the call that would use an approval; ID "" matches
// the oldest usable approval of the call.
type ApprovalUse struct {
	ID, KeyID, Tool, ArgsHash string
}

// AuditCursor is how far one forwarding sink has sent a user's audit
// chain: the newest record it delivered, and how many records the chain
// held up to it (pruned ones included), which its checkpoint states. The
// zero cursor (Seq 0) means nothing was sent yet.
type AuditCursor struct {
	UserID string
	Sink   string
	Seq    int64
	Hash   string
	Count  int64
}

// Passkey is a WebAuthn credential registered to a user: its public key
// and what its authenticator last reported. It holds no secret.
type Passkey struct {
	ID              string // mcpgate's name for it, as listed and removed
	UserID          string
	CredentialID    []byte // the authenticator's credential id
	PublicKey       []byte // COSE-encoded
	AttestationType string
	AAGUID          []byte
	Transports      []string
	Flags           uint8 // user present, verified, backup eligible, backup state
	SignCount       uint32
	CloneWarning    bool // a sign count that did not increase was seen
	CreatedAt       time.Time
	LastUsedAt      time.Time
}

// PasskeyEnrolment is a one-time link to register a passkey, kept only as
// the SHA-256 hex of its token.
type PasskeyEnrolment struct {
	Hash      string
	UserID    string
	ExpiresAt time.Time
	UsedAt    time.Time // zero until a passkey was registered with it
	CreatedAt time.Time
}

// BrowserSession is a signed-in browser, kept only as the SHA-256 hex of
// its cookie's token.
type BrowserSession struct {
	ID        string // shown in listings, revoked by
	Hash      string
	UserID    string
	PasskeyID string // the passkey it was signed in with
	ExpiresAt time.Time
	CreatedAt time.Time
}

// PasskeyCeremony is a WebAuthn registration or sign-in in progress: the
// library's session data (the challenge) for the browser holding the
// handle whose hash is ID.
type PasskeyCeremony struct {
	ID        string
	Kind      string // "register" or "login"
	UserID    string // the registering user; "" for a sign-in
	Data      string // JSON
	ExpiresAt time.Time
}

// Watchers is what a store that lets serve learn the generation by
// notification knows of the serve processes doing so (PostgreSQL; see
// its driver's watch.go): the generation now, and how many hold a lease
// and how many of those have not taken it yet (a change waits for them).
type Watchers struct {
	Generation int64 `json:"generation"`
	Live       int   `json:"live"`
	Behind     int   `json:"behind"`
}
