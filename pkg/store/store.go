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
	// ErrConflict means a compare-and-swap update lost to another writer.
	ErrConflict = errors.New("the row was changed by another writer")
	// ErrInUse means a row cannot be deleted while others refer to it.
	ErrInUse = errors.New("still in use")
	// ErrStaleDEK means a sealed value was to be stored under a DEK
	// version the user no longer has (a rotation retired it after the
	// writer looked up its current version): seal it again under the
	// current version and retry. Nothing was written.
	ErrStaleDEK = errors.New("sealed under a DEK version that was retired")
)

// Store is an open database. Implementations are safe for concurrent use.
type Store interface {
	// User returns a handle that can see and change only userID's rows.
	User(userID string) UserStore
	// Privileged returns the narrow path for operations that cross users.
	Privileged() Privileged
	// AuthServer returns the rows of mcpgate's own authorization server
	// that belong to no user (clients, authorizations in progress) and the
	// look-up of a token by its hash.
	AuthServer() AuthServerStore
	// Migrate brings the schema to the version this binary knows.
	Migrate(ctx context.Context) error
	// CheckSchema returns ErrSchemaTooNew or ErrSchemaTooOld unless the
	// schema is exactly the version this binary knows.
	CheckSchema(ctx context.Context) error
	// Generation returns a number that grows with every change to a user,
	// a connection, an API key (other than its last use), a policy, or
	// the set of a user's DEK versions (one added or deleted),
	// committed in the same transaction as the change, by any process
	// sharing the database. Rows of those kinds read after Generation
	// returned n are current for as long as it keeps returning n. A
	// change made through any Store is seen by every process's next call
	// once the call that made it has returned (PostgreSQL answers from a
	// notification, and the writer waits until every serve has taken it:
	// see the driver's watch.go); one made by other means (SQL by hand)
	// is seen once its notification arrives.
	Generation(ctx context.Context) (int64, error)
	// AppendAudits appends each group's records to its user's chain, as
	// UserStore.AppendAudit does for one user, and sets each group's
	// Stored or Err. Where the engine can, the groups share one
	// transaction, so one disk sync, and the groups' users one commit;
	// each group's outcome is its own all the same (a group that cannot
	// be stored with the others is stored alone, or fails alone). A
	// group's outcome is set only once the transaction holding its
	// records has committed, or has failed.
	AppendAudits(ctx context.Context, groups []AuditAppend)
	// TakeLease makes holder the holder of the lease called name until
	// now+ttl, if no one else holds it past now (a holder renews its own
	// lease the same way). It reports whether holder holds it. Leases
	// belong to no user: one process among several sharing the database
	// does a job (audit forwarding) while the others wait.
	TakeLease(ctx context.Context, name, holder string, now time.Time, ttl time.Duration) (bool, error)
	// ReleaseLease gives the lease up if holder holds it, so that another
	// process can take it at once.
	ReleaseLease(ctx context.Context, name, holder string) error
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
	// OAuthState finds a pending authorization by state hash without
	// taking it; ErrNotFound if unknown. While the row exists, the DEK
	// version that sealed its verifier does too.
	OAuthState(ctx context.Context, stateHash string) (OAuthState, error)
	// TakeOAuthState finds a pending authorization by state hash and deletes
	// it in the same transaction, so it can be used once; ErrNotFound if
	// unknown.
	TakeOAuthState(ctx context.Context, stateHash string) (OAuthState, error)
	// ListDEKs returns every user's DEKs, every version.
	ListDEKs(ctx context.Context) ([]DEK, error)
	// ReplaceDEK stores a rewrapped DEK (same user and version) if the
	// stored one still has old.KEKID; ErrNotFound otherwise.
	ReplaceDEK(ctx context.Context, old, updated DEK) error
	// EachAudit calls fn for every record of every user matching f, in
	// the order f asks, reading rows as it goes (constant memory). An
	// error from fn stops the walk and is returned.
	EachAudit(ctx context.Context, f AuditFilter, fn func(AuditRecord) error) error
	// DeleteExpiredOAuthStates deletes pending authorizations that
	// expired before now, returning how many.
	DeleteExpiredOAuthStates(ctx context.Context, now time.Time) (int64, error)
	// PutKEK records where the KEK with k.ID lives (its URL and MAC
	// replace an earlier entry's; its MACKey is kept once set, so the
	// first of two racing writers wins); KEKs lists them, oldest first.
	PutKEK(ctx context.Context, k KEK) error
	KEKs(ctx context.Context) ([]KEK, error)
}

// UserStore is scoped to one user: every method reads and writes that
// user's rows only, and ErrNotFound is what another user's row looks like.
type UserStore interface {
	UserID() string
	// DEK returns the user's current DEK: the highest version.
	DEK(ctx context.Context) (DEK, error)
	// DEKVersion returns one version of the user's DEK; ErrNotFound if
	// there is no such version (it was rotated away).
	DEKVersion(ctx context.Context, version int) (DEK, error)
	// ListDEKs returns every version of the user's DEK, oldest first.
	ListDEKs(ctx context.Context) ([]DEK, error)
	// AddDEK stores a new version, which becomes current;
	// ErrAlreadyExists if the version exists.
	AddDEK(ctx context.Context, d DEK) error
	// DeleteDEK deletes one version. It refuses (ErrInUse) while a
	// connection or OAuth state is still sealed under it, and never
	// deletes the current version. The database enforces the first
	// (a foreign key), so a write racing the delete either lands first
	// and keeps the version, or fails with ErrStaleDEK.
	DeleteDEK(ctx context.Context, version int) error

	// CreateConnection: ErrAlreadyExists if the name is taken.
	// CreateConnection, UpdateConnection, UpdateConnectionIf and
	// PutOAuthState return ErrStaleDEK, writing nothing, if the row's
	// DEKVersion is not one of the user's DEK versions.
	CreateConnection(ctx context.Context, c Connection) error
	Connection(ctx context.Context, name string) (Connection, error)
	ListConnections(ctx context.Context) ([]Connection, error)
	// UpdateConnection replaces everything but ID, UserID, Name, CreatedAt
	// of the connection with c.ID.
	UpdateConnection(ctx context.Context, c Connection) error
	// UpdateConnectionIf is UpdateConnection if the stored row still has
	// updatedAt as its UpdatedAt (compare-and-swap, for token refresh by
	// several processes); ErrConflict if another writer came first.
	UpdateConnectionIf(ctx context.Context, c Connection, updatedAt time.Time) error
	DeleteConnection(ctx context.Context, name string) error
	// WithConnectionLock runs fn while holding a lock on the connection
	// with id connID that every process sharing the database takes for
	// the same id (an OAuth token refresh, so that several replicas
	// refresh a token once). fn uses the store as usual, outside the
	// lock's own transaction; its error is returned as it is. Where one
	// process is all there is to serialise (SQLite), fn just runs.
	WithConnectionLock(ctx context.Context, connID string, fn func(context.Context) error) error

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
	// PolicyLayers returns, in one read, the user's default policy and
	// keyID's own, those that are set, the default first: both apply to
	// the key's calls. Neither set is an empty list, not an error.
	PolicyLayers(ctx context.Context, keyID string) ([]Policy, error)
	// DeletePolicy: ErrNotFound if none is set.
	DeletePolicy(ctx context.Context, keyID string) error

	// HitRate counts one call in h's window if the window's count is
	// below h.Limit, and returns the count after the call and whether it
	// was allowed. Counting is atomic across processes sharing the
	// database; windows older than a day are deleted as it goes.
	HitRate(ctx context.Context, h RateHit) (count int, allowed bool, err error)

	// AppendAudit stores records in order, each chained to the one before
	// it (PrevHash, Hash are set by the store through hash), and returns
	// them as stored.
	AppendAudit(ctx context.Context, recs []AuditRecord, hash func(prev string, r AuditRecord) string) ([]AuditRecord, error)
	ListAudit(ctx context.Context, f AuditFilter) ([]AuditRecord, error)
	// EachAudit is ListAudit calling fn per row as it reads (constant
	// memory); an error from fn stops the walk and is returned.
	EachAudit(ctx context.Context, f AuditFilter, fn func(AuditRecord) error) error
	// PruneAudit deletes the user's records older than before, in one
	// transaction, and moves the anchor to the newest deleted record, so
	// the kept records still verify; returns how many were deleted.
	PruneAudit(ctx context.Context, before time.Time) (int64, error)
	// AuditAnchor returns the user's anchor; the zero anchor (Hash "")
	// if nothing was ever pruned.
	AuditAnchor(ctx context.Context) (AuditAnchor, error)
	// AuditCursor returns how far sink has forwarded the user's audit
	// chain: the zero cursor (with UserID and Sink set) if it has sent
	// nothing yet.
	AuditCursor(ctx context.Context, sink string) (AuditCursor, error)
	// AdvanceAuditCursor stores c as the user's cursor of c.Sink if the
	// stored one is still at fromSeq (0 for none); ErrConflict if another
	// forwarder moved it meanwhile. c.Seq must be above fromSeq.
	AdvanceAuditCursor(ctx context.Context, fromSeq int64, c AuditCursor) error
	// AuditBacklog counts the user's records that sink has not forwarded:
	// those after its cursor.
	AuditBacklog(ctx context.Context, sink string) (int64, error)
	// AuditKey returns the user's sealed audit keys; ErrNotFound if the
	// user has none yet.
	AuditKey(ctx context.Context) (AuditKey, error)
	// KeyAudit stores k as the user's audit keys and re-chains the user's
	// records, in one transaction holding AppendAudit's lock: rechain is
	// called for each record oldest first, with the hash the record must
	// now chain to (the anchor's, or "", for the first) and the record as
	// stored, and returns the record with its new PrevHash, Hash and
	// Chain; an error from it aborts everything and is returned as it is.
	// ErrAlreadyExists if the user has audit keys (nothing is changed).
	KeyAudit(ctx context.Context, k AuditKey, rechain func(prev string, r AuditRecord) (AuditRecord, error)) (int64, error)
	// ReplaceAuditKey stores k (sealed again, under another DEK version)
	// if the stored keys are still sealed under dekVersion; ErrNotFound
	// otherwise.
	ReplaceAuditKey(ctx context.Context, dekVersion int, k AuditKey) error

	PutOAuthState(ctx context.Context, s OAuthState) error

	// CreateApproval stores a pending approval; ErrStaleDEK, writing
	// nothing, if a.Sealed is set and a.DEKVersion is not one of the
	// user's DEK versions.
	CreateApproval(ctx context.Context, a Approval) error
	// Approval returns one approval; ErrNotFound if there is none.
	Approval(ctx context.Context, id string) (Approval, error)
	// ListApprovals lists the user's approvals matching f, newest first.
	ListApprovals(ctx context.Context, f ApprovalFilter) ([]Approval, error)
	// DecideApproval sets the status (ApprovalApproved, ApprovalDenied or
	// ApprovalExpired), who decided and why, of an approval that is still
	// pending, clears its sealed arguments, and returns it as decided.
	// A pending approval past its ExpiresAt at now can only be expired.
	// ErrNotFound if there is no such approval; ErrConflict if it is not
	// pending any more (decided before, by anyone), or expired.
	DecideApproval(ctx context.Context, id, status, by, reason string, now time.Time) (Approval, error)
	// UseApproval marks as used, atomically across processes, one
	// approved or denied approval of the call u names that is unused and
	// not expired at now, and returns it; ErrNotFound if there is none.
	// A second use of the same approval finds none.
	UseApproval(ctx context.Context, u ApprovalUse, now time.Time) (Approval, error)
	// CountPendingApprovals counts the user's approvals still pending
	// and not expired at now.
	CountPendingApprovals(ctx context.Context, now time.Time) (int64, error)
	// DeleteDecidedApprovals deletes the user's approvals decided (or
	// marked expired) before before, returning how many; pending ones
	// are left, whatever their age.
	DeleteDecidedApprovals(ctx context.Context, before time.Time) (int64, error)

	// CreateOAuthGrant stores the grant's app key k, the grant g and its
	// first tokens in one transaction.
	CreateOAuthGrant(ctx context.Context, k APIKey, g OAuthGrant, tokens []OAuthToken) error
	// AddOAuthTokens stores tokens of one of the user's grants.
	AddOAuthTokens(ctx context.Context, tokens []OAuthToken) error
	// OAuthGrants lists the user's grants, revoked ones included.
	OAuthGrants(ctx context.Context) ([]OAuthGrant, error)

	// AddPasskeyEnrolment stores a one-time enrolment link's hash, and
	// deletes the user's links used or expired at e.CreatedAt.
	AddPasskeyEnrolment(ctx context.Context, e PasskeyEnrolment) error
	// PasskeyEnrolment returns the enrolment with hash if it is unused
	// and not expired at now; ErrNotFound otherwise.
	PasskeyEnrolment(ctx context.Context, hash string, now time.Time) (PasskeyEnrolment, error)
	// EnrolPasskey marks the enrolment with hash used and stores p, in
	// one transaction: ErrNotFound (nothing stored) if the enrolment is
	// used, expired at now or unknown; ErrAlreadyExists if p's credential
	// id is registered (to anyone).
	EnrolPasskey(ctx context.Context, hash string, p Passkey, now time.Time) error
	// Passkeys lists the user's passkeys, oldest first.
	Passkeys(ctx context.Context) ([]Passkey, error)
	// UsePasskey records a sign-in with the passkey id: its new sign
	// count, clone warning and flags, and the time; ErrNotFound if the
	// user has no such passkey.
	UsePasskey(ctx context.Context, id string, signCount uint32, cloneWarning bool, flags uint8, at time.Time) error
	// DeletePasskey deletes the passkey id and the sessions signed in
	// with it; ErrNotFound if the user has none such.
	DeletePasskey(ctx context.Context, id string) error

	// CreateBrowserSession stores a signed-in browser's session, and
	// deletes the user's sessions expired at s.CreatedAt.
	CreateBrowserSession(ctx context.Context, s BrowserSession) error
	// BrowserSession returns the session whose token has hash;
	// ErrNotFound if there is none (revoked, or another user's). The
	// caller checks ExpiresAt.
	BrowserSession(ctx context.Context, hash string) (BrowserSession, error)
	// BrowserSessions lists the user's sessions, oldest first.
	BrowserSessions(ctx context.Context) ([]BrowserSession, error)
	// DeleteBrowserSession revokes the session id; ErrNotFound if the
	// user has none such. DeleteBrowserSessions revokes all of them,
	// returning how many.
	DeleteBrowserSession(ctx context.Context, id string) error
	DeleteBrowserSessions(ctx context.Context) (int64, error)
}

// AuthServerStore holds the authorization server's rows that belong to no
// user. Its methods are safe for concurrent use; ErrNotFound means no such
// row.
type AuthServerStore interface {
	// PutOAuthClient: ErrAlreadyExists if the id is taken.
	PutOAuthClient(ctx context.Context, c OAuthClient) error
	OAuthClient(ctx context.Context, id string) (OAuthClient, error)
	ListOAuthClients(ctx context.Context) ([]OAuthClient, error)
	DeleteOAuthClient(ctx context.Context, id string) error
	TouchOAuthClient(ctx context.Context, id string, at time.Time) error
	// DeleteUnusedOAuthClients deletes clients of kind never used and
	// created before before, returning how many.
	DeleteUnusedOAuthClients(ctx context.Context, kind string, before time.Time) (int64, error)
	// CountOAuthClients counts the clients of kind.
	CountOAuthClients(ctx context.Context, kind string) (int, error)

	// PutPasskeyCeremony stores a WebAuthn ceremony in progress, and
	// deletes the ceremonies expired at now.
	PutPasskeyCeremony(ctx context.Context, c PasskeyCeremony, now time.Time) error
	// TakePasskeyCeremony deletes and returns the ceremony id (each is
	// finished once); ErrNotFound if there is none or it expired at now.
	// Expired ceremonies are deleted as it goes.
	TakePasskeyCeremony(ctx context.Context, id string, now time.Time) (PasskeyCeremony, error)

	PutOAuthRequest(ctx context.Context, r OAuthRequest) error
	OAuthRequest(ctx context.Context, id string) (OAuthRequest, error)
	// ApproveOAuthRequest gives the request whose approval hash is h, if
	// it is not expired at now and not approved yet, to userID, and
	// returns it; ErrNotFound otherwise (so an approval code works once).
	ApproveOAuthRequest(ctx context.Context, h, userID string, now time.Time) (OAuthRequest, error)
	// IssueOAuthCode records the code of an approved request that has
	// none yet, and the policy and connection scope consented to (an
	// empty scope: all connections); ErrNotFound otherwise.
	IssueOAuthCode(ctx context.Context, id, codeHash string, expires time.Time, policy string, scope []string) error
	// RedeemOAuthCode marks the request with codeHash as exchanged for
	// the grant keyID and returns it as it was: a GrantKeyID already set
	// in the result means the code was redeemed before (a replay).
	RedeemOAuthCode(ctx context.Context, codeHash, keyID string) (OAuthRequest, error)
	// DeleteExpiredOAuthRequests deletes requests expired before now.
	DeleteExpiredOAuthRequests(ctx context.Context, now time.Time) (int64, error)

	// OAuthToken finds a token by its hash, whoever owns it.
	OAuthToken(ctx context.Context, hash string) (OAuthToken, error)
	// UseOAuthRefresh marks a refresh token used at now and returns it as
	// it was: a non-zero UsedAt in the result means it had been used
	// before (a replay).
	UseOAuthRefresh(ctx context.Context, hash string, now time.Time) (OAuthToken, error)
}

// WatcherLister is implemented by a store whose serve processes learn
// the generation by notification.
type WatcherLister interface {
	Watchers(ctx context.Context) (Watchers, error)
}
