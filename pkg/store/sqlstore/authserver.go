package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/mcpgate/mcpgate/pkg/store"
)

// authStore holds the authorization server's rows that belong to no user.
// Its transactions are scoped as a user's with no user id: on PostgreSQL
// that is the app role seeing no user's rows, only these tables.
type authStore struct{ s *Store }

// AuthServer returns the authorization server's rows.
func (s *Store) AuthServer() store.AuthServerStore { return &authStore{s: s} }

func (a *authStore) scope(ctx context.Context, t *sql.Tx) error {
	if a.s.d.ScopeUser == nil {
		return nil
	}
	return a.s.d.ScopeUser(ctx, t, "")
}

func (a *authStore) read(ctx context.Context, fn func(tx) error) error {
	return a.s.run(ctx, true, a.scope, fn)
}

func (a *authStore) write(ctx context.Context, fn func(tx) error) error {
	return a.s.run(ctx, false, a.scope, fn)
}

const clientCols = "id, name, kind, redirect_uris, secret_hash, created_at, last_used_at"

func scanClient(sc scanner) (store.OAuthClient, error) {
	var c store.OAuthClient
	var uris string
	var created, used int64
	if err := sc.Scan(&c.ID, &c.Name, &c.Kind, &uris, &c.SecretHash, &created, &used); err != nil {
		return store.OAuthClient{}, err
	}
	var err error
	if c.RedirectURIs, err = decodeList(uris); err != nil {
		return store.OAuthClient{}, fmt.Errorf("client %s: %w", c.ID, err)
	}
	c.CreatedAt, c.LastUsedAt = fromMicros(created), fromMicros(used)
	return c, nil
}

func (a *authStore) PutOAuthClient(ctx context.Context, c store.OAuthClient) error {
	if c.ID == "" || c.Name == "" || c.Kind == "" {
		return errors.New("put OAuth client: id, name and kind are required")
	}
	uris, err := encodeList(c.RedirectURIs)
	if err != nil {
		return fmt.Errorf("put OAuth client: %w", err)
	}
	err = a.write(ctx, func(t tx) error {
		_, err := t.exec(ctx, "INSERT INTO oauth_clients ("+clientCols+") VALUES (?, ?, ?, ?, ?, ?, ?)",
			c.ID, c.Name, c.Kind, uris, c.SecretHash, micros(c.CreatedAt), micros(c.LastUsedAt))
		return err
	})
	if err != nil {
		return fmt.Errorf("put OAuth client: %w", err)
	}
	return nil
}

func (a *authStore) OAuthClient(ctx context.Context, id string) (store.OAuthClient, error) {
	c, err := one(ctx, a.read, scanClient, "SELECT "+clientCols+" FROM oauth_clients WHERE id = ?", id)
	if err != nil {
		return store.OAuthClient{}, fmt.Errorf("get OAuth client: %w", err)
	}
	return c, nil
}

func (a *authStore) ListOAuthClients(ctx context.Context) ([]store.OAuthClient, error) {
	cs, err := all(ctx, a.read, scanClient, "SELECT "+clientCols+" FROM oauth_clients ORDER BY created_at, id")
	if err != nil {
		return nil, fmt.Errorf("list OAuth clients: %w", err)
	}
	return cs, nil
}

func (a *authStore) DeleteOAuthClient(ctx context.Context, id string) error {
	err := a.write(ctx, func(t tx) error { return t.execOne(ctx, "DELETE FROM oauth_clients WHERE id = ?", id) })
	if err != nil {
		return fmt.Errorf("delete OAuth client: %w", err)
	}
	return nil
}

func (a *authStore) TouchOAuthClient(ctx context.Context, id string, at time.Time) error {
	err := a.write(ctx, func(t tx) error {
		return t.execOne(ctx, "UPDATE oauth_clients SET last_used_at = ? WHERE id = ?", micros(at), id)
	})
	if err != nil {
		return fmt.Errorf("touch OAuth client: %w", err)
	}
	return nil
}

func (a *authStore) DeleteUnusedOAuthClients(ctx context.Context, kind string, before time.Time) (int64, error) {
	n, err := a.count(ctx, "DELETE FROM oauth_clients WHERE kind = ? AND last_used_at = 0 AND created_at < ?", kind, micros(before))
	if err != nil {
		return 0, fmt.Errorf("delete unused OAuth clients: %w", err)
	}
	return n, nil
}

func (a *authStore) CountOAuthClients(ctx context.Context, kind string) (int, error) {
	var n int
	err := a.read(ctx, func(t tx) error {
		return t.queryRow(ctx, "SELECT count(*) FROM oauth_clients WHERE kind = ?", kind).Scan(&n)
	})
	if err != nil {
		return 0, fmt.Errorf("count OAuth clients: %w", err)
	}
	return n, nil
}

// count runs a writing statement and returns how many rows it changed.
func (a *authStore) count(ctx context.Context, q string, args ...any) (int64, error) {
	var n int64
	err := a.write(ctx, func(t tx) error {
		res, err := t.exec(ctx, q, args...)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return n, err
}

const requestCols = `id, approval_hash, client_id, redirect_uri, code_challenge, resource, state, user_id, code_hash,
	code_expires_at, grant_key_id, policy, expires_at, created_at, scope`

func scanRequest(sc scanner) (store.OAuthRequest, error) {
	var r store.OAuthRequest
	var codeExp, exp, created int64
	var scope string
	err := sc.Scan(&r.ID, &r.ApprovalHash, &r.ClientID, &r.RedirectURI, &r.CodeChallenge, &r.Resource, &r.State,
		&r.UserID, &r.CodeHash, &codeExp, &r.GrantKeyID, &r.Policy, &exp, &created, &scope)
	if err != nil {
		return store.OAuthRequest{}, err
	}
	if r.Scope, err = decodeList(scope); err != nil {
		return store.OAuthRequest{}, err
	}
	r.CodeExpiresAt, r.ExpiresAt, r.CreatedAt = fromMicros(codeExp), fromMicros(exp), fromMicros(created)
	return r, nil
}

func (a *authStore) PutOAuthRequest(ctx context.Context, r store.OAuthRequest) error {
	if r.ID == "" || r.ApprovalHash == "" || r.ExpiresAt.IsZero() {
		return errors.New("put OAuth request: id, approval hash and expiry are required")
	}
	scope, err := encodeList(r.Scope)
	if err != nil {
		return fmt.Errorf("put OAuth request: %w", err)
	}
	err = a.write(ctx, func(t tx) error {
		_, err := t.exec(ctx, "INSERT INTO oauth_requests ("+requestCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
			r.ID, r.ApprovalHash, r.ClientID, r.RedirectURI, r.CodeChallenge, r.Resource, r.State, r.UserID, r.CodeHash,
			micros(r.CodeExpiresAt), r.GrantKeyID, r.Policy, micros(r.ExpiresAt), micros(r.CreatedAt), scope)
		return err
	})
	if err != nil {
		return fmt.Errorf("put OAuth request: %w", err)
	}
	return nil
}

func (a *authStore) OAuthRequest(ctx context.Context, id string) (store.OAuthRequest, error) {
	r, err := one(ctx, a.read, scanRequest, "SELECT "+requestCols+" FROM oauth_requests WHERE id = ?", id)
	if err != nil {
		return store.OAuthRequest{}, fmt.Errorf("get OAuth request: %w", err)
	}
	return r, nil
}

func (a *authStore) ApproveOAuthRequest(ctx context.Context, h, userID string, now time.Time) (store.OAuthRequest, error) {
	if userID == "" {
		return store.OAuthRequest{}, errors.New("approve OAuth request: a user is required")
	}
	var r store.OAuthRequest
	err := a.write(ctx, func(t tx) error {
		if err := t.execOne(ctx, "UPDATE oauth_requests SET user_id = ? WHERE approval_hash = ? AND user_id = '' AND expires_at > ?",
			userID, h, micros(now)); err != nil {
			return err
		}
		var err error
		r, err = scanRequest(t.queryRow(ctx, "SELECT "+requestCols+" FROM oauth_requests WHERE approval_hash = ?", h))
		return err
	})
	if err != nil {
		return store.OAuthRequest{}, fmt.Errorf("approve OAuth request: %w", err)
	}
	return r, nil
}

func (a *authStore) IssueOAuthCode(ctx context.Context, id, codeHash string, expires time.Time, policy string, scope []string) error {
	if codeHash == "" {
		return errors.New("issue OAuth code: a code hash is required")
	}
	sc, err := encodeList(scope)
	if err != nil {
		return fmt.Errorf("issue OAuth code: %w", err)
	}
	err = a.write(ctx, func(t tx) error {
		return t.execOne(ctx, "UPDATE oauth_requests SET code_hash = ?, code_expires_at = ?, policy = ?, scope = ? WHERE id = ? AND user_id <> '' AND code_hash = ''",
			codeHash, micros(expires), policy, sc, id)
	})
	if err != nil {
		return fmt.Errorf("issue OAuth code: %w", err)
	}
	return nil
}

func (a *authStore) RedeemOAuthCode(ctx context.Context, codeHash, keyID string) (store.OAuthRequest, error) {
	if codeHash == "" || keyID == "" {
		return store.OAuthRequest{}, fmt.Errorf("redeem OAuth code: %w", store.ErrNotFound)
	}
	var r store.OAuthRequest
	err := a.write(ctx, func(t tx) error {
		var err error
		r, err = scanRequest(t.queryRow(ctx, "SELECT "+requestCols+" FROM oauth_requests WHERE code_hash = ?", codeHash))
		if err != nil || r.GrantKeyID != "" {
			return err
		}
		// Two redemptions racing: the second finds grant_key_id set.
		err = t.execOne(ctx, "UPDATE oauth_requests SET grant_key_id = ? WHERE code_hash = ? AND grant_key_id = ''", keyID, codeHash)
		if errors.Is(err, store.ErrNotFound) {
			return store.ErrConflict
		}
		return err
	})
	if err != nil {
		return store.OAuthRequest{}, fmt.Errorf("redeem OAuth code: %w", err)
	}
	return r, nil
}

func (a *authStore) DeleteExpiredOAuthRequests(ctx context.Context, now time.Time) (int64, error) {
	n, err := a.count(ctx, "DELETE FROM oauth_requests WHERE expires_at < ?", micros(now))
	if err != nil {
		return 0, fmt.Errorf("delete expired OAuth requests: %w", err)
	}
	return n, nil
}

const tokenCols = "hash, user_id, key_id, kind, resource, expires_at, used_at, created_at"

// ScanOAuthToken reads tokenCols, in that order.
func ScanOAuthToken(sc Scanner) (store.OAuthToken, error) {
	var o store.OAuthToken
	var exp, used, created int64
	if err := sc.Scan(&o.Hash, &o.UserID, &o.KeyID, &o.Kind, &o.Resource, &exp, &used, &created); err != nil {
		return store.OAuthToken{}, err
	}
	o.ExpiresAt, o.UsedAt, o.CreatedAt = fromMicros(exp), fromMicros(used), fromMicros(created)
	return o, nil
}

func scanToken(sc scanner) (store.OAuthToken, error) { return ScanOAuthToken(sc) }

// OAuthToken reads across users: SQLite's store has no database-side
// scoping; PostgreSQL's overrides this with its SECURITY DEFINER function.
func (a *authStore) OAuthToken(ctx context.Context, hash string) (store.OAuthToken, error) {
	o, err := one(ctx, a.read, scanToken, "SELECT "+tokenCols+" FROM oauth_tokens WHERE hash = ?", hash)
	if err != nil {
		return store.OAuthToken{}, fmt.Errorf("get OAuth token: %w", err)
	}
	return o, nil
}

func (a *authStore) UseOAuthRefresh(ctx context.Context, hash string, now time.Time) (store.OAuthToken, error) {
	var o store.OAuthToken
	err := a.write(ctx, func(t tx) error {
		var err error
		o, err = scanToken(t.queryRow(ctx, "SELECT "+tokenCols+" FROM oauth_tokens WHERE hash = ? AND kind = 'refresh'", hash))
		if err != nil || !o.UsedAt.IsZero() {
			return err
		}
		_, err = t.exec(ctx, "UPDATE oauth_tokens SET used_at = ? WHERE hash = ? AND used_at = 0", micros(now), hash)
		return err
	})
	if err != nil {
		return store.OAuthToken{}, fmt.Errorf("use OAuth refresh token: %w", err)
	}
	return o, nil
}

// The user's side: grants and their tokens.

const grantCols = "key_id, user_id, client_id, client_name, resource, created_at"

func scanGrant(sc scanner) (store.OAuthGrant, error) {
	var g store.OAuthGrant
	var created int64
	if err := sc.Scan(&g.KeyID, &g.UserID, &g.ClientID, &g.ClientName, &g.Resource, &created); err != nil {
		return store.OAuthGrant{}, err
	}
	g.CreatedAt = fromMicros(created)
	return g, nil
}

func (u *userStore) CreateOAuthGrant(ctx context.Context, k store.APIKey, g store.OAuthGrant, tokens []store.OAuthToken) error {
	if err := u.owns(g.UserID); err != nil {
		return fmt.Errorf("create OAuth grant: %w", err)
	}
	if g.KeyID != k.ID {
		return errors.New("create OAuth grant: the grant names another key")
	}
	err := u.write(ctx, func(t tx) error {
		if err := u.insertKey(ctx, t, k); err != nil {
			return err
		}
		if _, err := t.exec(ctx, "INSERT INTO oauth_grants ("+grantCols+") VALUES (?, ?, ?, ?, ?, ?)",
			g.KeyID, u.userID, g.ClientID, g.ClientName, g.Resource, micros(g.CreatedAt)); err != nil {
			return err
		}
		return u.insertTokens(ctx, t, tokens)
	})
	if err != nil {
		return fmt.Errorf("create OAuth grant: %w", err)
	}
	return nil
}

func (u *userStore) AddOAuthTokens(ctx context.Context, tokens []store.OAuthToken) error {
	if err := u.write(ctx, func(t tx) error { return u.insertTokens(ctx, t, tokens) }); err != nil {
		return fmt.Errorf("add OAuth tokens: %w", err)
	}
	return nil
}

func (u *userStore) insertTokens(ctx context.Context, t tx, tokens []store.OAuthToken) error {
	for _, o := range tokens {
		if err := u.owns(o.UserID); err != nil {
			return err
		}
		if o.Hash == "" || o.KeyID == "" || (o.Kind != "access" && o.Kind != "refresh") {
			return errors.New("a token needs a hash, a key and a kind (access or refresh)")
		}
		if _, err := t.exec(ctx, "INSERT INTO oauth_tokens ("+tokenCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
			o.Hash, u.userID, o.KeyID, o.Kind, o.Resource, micros(o.ExpiresAt), micros(o.UsedAt), micros(o.CreatedAt)); err != nil {
			return err
		}
	}
	return nil
}

func (u *userStore) OAuthGrants(ctx context.Context) ([]store.OAuthGrant, error) {
	gs, err := all(ctx, u.read, scanGrant, "SELECT "+grantCols+" FROM oauth_grants WHERE user_id = ? ORDER BY created_at, key_id", u.userID)
	if err != nil {
		return nil, fmt.Errorf("list OAuth grants: %w", err)
	}
	return gs, nil
}

var _ store.AuthServerStore = (*authStore)(nil)
