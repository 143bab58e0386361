package sqlstore

import (
	"context"
	"errors"
	"fmt"

	"github.com/mcpgate/mcpgate/pkg/store"
)

const oauthCols = "state_hash, user_id, provider, name, verifier, expires_at, created_at"

func scanOAuthState(sc scanner) (store.OAuthState, error) {
	var s store.OAuthState
	var expires, created int64
	if err := sc.Scan(&s.StateHash, &s.UserID, &s.Provider, &s.Name, &s.Verifier, &expires, &created); err != nil {
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
		_, err := t.exec(ctx, "INSERT INTO oauth_states ("+oauthCols+") VALUES (?, ?, ?, ?, ?, ?, ?)",
			s.StateHash, u.userID, s.Provider, s.Name, blob(s.Verifier), micros(s.ExpiresAt), micros(s.CreatedAt))
		return err
	})
	if err != nil {
		return fmt.Errorf("put OAuth state: %w", err)
	}
	return nil
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
