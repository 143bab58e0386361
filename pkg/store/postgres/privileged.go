package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/mcpgate/mcpgate/pkg/store"
	"github.com/mcpgate/mcpgate/pkg/store/sqlstore"
)

// privileged is the cross-user path on PostgreSQL. What serve needs across
// users (finding a key by id, taking an OAuth state, listing users,
// deleting expired states, the KEK registry) goes through the schema's
// SECURITY DEFINER functions (migration 6), each one narrow statement that
// serve's login may execute. Everything else (creating and deleting users,
// DEK rotation, walking every user's audit log) is the shared store's,
// whose transactions switch to AdminRole, which serve's login cannot.
type privileged struct {
	store.Privileged
	db *sql.DB
}

func (p *privileged) ListUsers(ctx context.Context) ([]store.User, error) {
	users, err := collect(ctx, p.db, sqlstore.ScanUser, "SELECT * FROM mcpgate_list_users()")
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	return users, nil
}

func (p *privileged) UserByName(ctx context.Context, name string) (store.User, error) {
	u, err := one(ctx, p.db, sqlstore.ScanUser, "SELECT * FROM mcpgate_user_by_name($1)", name)
	if err != nil {
		return store.User{}, fmt.Errorf("get user %q: %w", name, err)
	}
	return u, nil
}

func (p *privileged) APIKey(ctx context.Context, keyID string) (store.APIKey, error) {
	k, err := one(ctx, p.db, sqlstore.ScanAPIKey, "SELECT * FROM mcpgate_api_key($1)", keyID)
	if err != nil {
		return store.APIKey{}, fmt.Errorf("get API key %s: %w", keyID, err)
	}
	return k, nil
}

func (p *privileged) TakeOAuthState(ctx context.Context, stateHash string) (store.OAuthState, error) {
	s, err := one(ctx, p.db, sqlstore.ScanOAuthState, "SELECT * FROM mcpgate_take_oauth_state($1)", stateHash)
	if err != nil {
		return store.OAuthState{}, fmt.Errorf("take OAuth state: %w", err)
	}
	return s, nil
}

func (p *privileged) OAuthState(ctx context.Context, stateHash string) (store.OAuthState, error) {
	s, err := one(ctx, p.db, sqlstore.ScanOAuthState, "SELECT * FROM mcpgate_oauth_state($1)", stateHash)
	if err != nil {
		return store.OAuthState{}, fmt.Errorf("read OAuth state: %w", err)
	}
	return s, nil
}

func (p *privileged) DeleteExpiredOAuthStates(ctx context.Context, now time.Time) (int64, error) {
	var n int64
	if err := p.db.QueryRowContext(ctx, "SELECT mcpgate_delete_expired_oauth_states($1)", sqlstore.Micros(now)).Scan(&n); err != nil {
		return 0, fmt.Errorf("delete expired OAuth states: %w", err)
	}
	return n, nil
}

func (p *privileged) PutKEK(ctx context.Context, k store.KEK) error {
	if _, err := p.db.ExecContext(ctx, "SELECT mcpgate_put_kek($1, $2, $3, $4, $5)", k.ID, k.URL, blobArg(k.MACKey), blobArg(k.MAC), sqlstore.Micros(k.CreatedAt)); err != nil {
		return fmt.Errorf("record KEK: %w", err)
	}
	return nil
}

func (p *privileged) KEKs(ctx context.Context) ([]store.KEK, error) {
	ks, err := collect(ctx, p.db, func(s sqlstore.Scanner) (store.KEK, error) {
		var k store.KEK
		var created int64
		err := s.Scan(&k.ID, &k.URL, &k.MACKey, &k.MAC, &created)
		k.MACKey, k.MAC = blobOrNil(k.MACKey), blobOrNil(k.MAC)
		k.CreatedAt = sqlstore.FromMicros(created)
		return k, err
	}, "SELECT * FROM mcpgate_keks()")
	if err != nil {
		return nil, fmt.Errorf("list KEKs: %w", err)
	}
	return ks, nil
}

// one runs q and scans its single row; no row is store.ErrNotFound.
func one[T any](ctx context.Context, db *sql.DB, scan func(sqlstore.Scanner) (T, error), q string, args ...any) (T, error) {
	v, err := scan(db.QueryRowContext(ctx, q, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return v, store.ErrNotFound
	}
	return v, err
}

// collect runs q and scans every row.
func collect[T any](ctx context.Context, db *sql.DB, scan func(sqlstore.Scanner) (T, error), q string, args ...any) ([]T, error) {
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

var _ store.Privileged = (*privileged)(nil)

// blobArg passes an empty byte slice as NULL, as the shared store does.
func blobArg(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return b
}

func blobOrNil(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return b
}

// authStore is the shared authorization server store, with the token
// look-ups that cross users done by the schema's functions (version 11).
type authStore struct {
	store.AuthServerStore
	db *sql.DB
}

// AuthServer returns the authorization server's rows: see authStore.
func (s *pgStore) AuthServer() store.AuthServerStore {
	return &authStore{AuthServerStore: s.Store.AuthServer(), db: s.DB()}
}

func (a *authStore) OAuthToken(ctx context.Context, hash string) (store.OAuthToken, error) {
	o, err := one(ctx, a.db, sqlstore.ScanOAuthToken, "SELECT * FROM mcpgate_oauth_token($1)", hash)
	if err != nil {
		return store.OAuthToken{}, fmt.Errorf("get OAuth token: %w", err)
	}
	return o, nil
}

func (a *authStore) UseOAuthRefresh(ctx context.Context, hash string, now time.Time) (store.OAuthToken, error) {
	o, err := one(ctx, a.db, sqlstore.ScanOAuthToken, "SELECT * FROM mcpgate_use_oauth_refresh($1, $2)", hash, sqlstore.Micros(now))
	if err != nil {
		return store.OAuthToken{}, fmt.Errorf("use OAuth refresh token: %w", err)
	}
	return o, nil
}

var _ store.AuthServerStore = (*authStore)(nil)
