package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/mcpgate/mcpgate/pkg/store"
)

const oauthCols = `state_hash, user_id, provider, name, verifier, dek_version, scopes, redirect_url,
	local_callback, expires_at, created_at`

func scanOAuthState(sc scanner) (store.OAuthState, error) {
	var s store.OAuthState
	var expires, created int64
	err := sc.Scan(&s.StateHash, &s.UserID, &s.Provider, &s.Name, &s.Verifier, &s.DEKVersion, &s.Scopes, &s.RedirectURL,
		&s.Local, &expires, &created)
	if err != nil {
		return store.OAuthState{}, err
	}
	s.Verifier = unblob(s.Verifier)
	s.ExpiresAt, s.CreatedAt = fromMicros(expires), fromMicros(created)
	return s, nil
}

// PutOAuthState stores a pending authorization as the handle's user's.
func (u *userStore) PutOAuthState(ctx context.Context, s store.OAuthState) error {
	if err := u.owns(s.UserID); err != nil {
		return fmt.Errorf("put OAuth state: %w", err)
	}
	if s.StateHash == "" {
		return errors.New("put OAuth state: state hash is required")
	}
	err := u.write(ctx, func(t tx) error {
		if err := u.sealable(ctx, t, s.DEKVersion); err != nil {
			return err
		}
		_, err := t.exec(ctx, "INSERT INTO oauth_states ("+oauthCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
			s.StateHash, u.userID, s.Provider, s.Name, blob(s.Verifier), s.DEKVersion, s.Scopes, s.RedirectURL,
			s.Local, micros(s.ExpiresAt), micros(s.CreatedAt))
		return err
	})
	if err != nil {
		return fmt.Errorf("put OAuth state: %w", err)
	}
	return nil
}

// OAuthState returns the state without taking it.
func (p *privileged) OAuthState(ctx context.Context, stateHash string) (store.OAuthState, error) {
	s, err := one(ctx, p.read, scanOAuthState, "SELECT "+oauthCols+" FROM oauth_states WHERE state_hash = ?", stateHash)
	if err != nil {
		return store.OAuthState{}, fmt.Errorf("get OAuth state: %w", err)
	}
	return s, nil
}

// TakeOAuthState deletes the state and returns what it held, in one
// statement, so two callbacks racing with one state cannot both get it.
// Whether it has expired is for the caller to judge.
func (p *privileged) TakeOAuthState(ctx context.Context, stateHash string) (store.OAuthState, error) {
	s, err := one(ctx, p.write, scanOAuthState,
		"DELETE FROM oauth_states WHERE state_hash = ? RETURNING "+oauthCols, stateHash)
	if err != nil {
		return store.OAuthState{}, fmt.Errorf("take OAuth state: %w", err)
	}
	return s, nil
}

// DeleteExpiredOAuthStates deletes every user's states that expired before
// now. A state with no expiry (zero ExpiresAt) is left to TakeOAuthState.
func (p *privileged) DeleteExpiredOAuthStates(ctx context.Context, now time.Time) (int64, error) {
	var n int64
	err := p.write(ctx, func(t tx) error {
		res, err := t.exec(ctx, "DELETE FROM oauth_states WHERE expires_at > 0 AND expires_at < ?", micros(now))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("delete expired OAuth states: %w", err)
	}
	return n, nil
}
