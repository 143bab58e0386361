package sqlstore

import (
	"time"

	"github.com/mcpgate/mcpgate/pkg/store"
)

// Scanner is a *sql.Row or *sql.Rows.
type Scanner = scanner

// The scanners and time conversions, for a driver that reads the same
// columns through queries of its own (PostgreSQL's cross-user functions).
// Each expects the columns in the order of the table's own queries here.

// ScanUser reads id, name, admin, created_at.
func ScanUser(sc Scanner) (store.User, error) { return scanUser(sc) }

// ScanAPIKey reads id, user_id, name, hash, scope, created_at,
// last_used_at, revoked_at.
func ScanAPIKey(sc Scanner) (store.APIKey, error) { return scanAPIKey(sc) }

// ScanOAuthState reads state_hash, user_id, provider, name, verifier,
// dek_version, scopes, redirect_url, local_callback, expires_at,
// created_at.
func ScanOAuthState(sc Scanner) (store.OAuthState, error) { return scanOAuthState(sc) }

// Micros is t as stored: unix microseconds, 0 for the zero time.
func Micros(t time.Time) int64 { return micros(t) }

// FromMicros is a stored time read back, in UTC.
func FromMicros(us int64) time.Time { return fromMicros(us) }
