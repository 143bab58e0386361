package oauth

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/mcpgate/mcpgate/pkg/store"
	"github.com/mcpgate/mcpgate/pkg/vault"
)

// ConfirmTTL is how long the confirmation page may be answered.
const ConfirmTTL = 5 * time.Minute

// ErrCancelled means the person declined on the confirmation page.
var ErrCancelled = errors.New("the authorization was cancelled on the confirmation page; nothing was connected")

// A forwarded authorization link would connect whoever opens it into the
// requester's connection. So the callback does not exchange the code: it
// takes the state (once), keeps the code sealed under a fresh one-time
// token, and shows the person which mcpgate user, connection and provider
// the authorization completes. Only a POST of that token from the page —
// a CSRF token bound to the state, which another site cannot read —
// exchanges the code.

// Confirmation is what the confirmation page shows and posts back.
type Confirmation struct {
	User, Name, Provider string
	// Token is posted back to confirm or cancel; it is single-use.
	Token     string
	ExpiresAt time.Time
	// Action is the path the form posts to: the redirect URL's.
	Action string
	// hash is ConfirmHash(Token).
	hash string
}

// held is what a held authorization keeps sealed.
type held struct {
	Version  int    `json:"v"`
	Verifier string `json:"verifier"`
	Code     string `json:"code"`
}

// ConfirmHash is how a confirmation token is stored; a domain other than
// StateHash's, so that neither can stand for the other.
func ConfirmHash(token string) string {
	sum := sha256.Sum256([]byte("mcpgate oauth confirm\x00" + token))
	return hex.EncodeToString(sum[:])
}

// Hold takes the pending state (once) and keeps code, sealed, for the
// person to confirm within ConfirmTTL.
func (f *Flow) Hold(ctx context.Context, state, code string) (Confirmation, error) {
	return f.HoldFrom(ctx, state, code, "")
}

// HoldFrom is Hold for a redirect that carried the issuer iss (RFC 9207;
// "" for none), which must be the expected one where it is checked (see
// checkIssuer). A refused issuer uses the state up.
func (f *Flow) HoldFrom(ctx context.Context, state, code, iss string) (Confirmation, error) {
	if code == "" {
		return Confirmation{}, ErrUnknownState
	}
	ps, verifier, err := f.takeOpen(ctx, StateHash(state), state, "pending authorization")
	if err != nil {
		return Confirmation{}, err
	}
	if err := checkIssuer(ps, verifier, iss); err != nil {
		return Confirmation{}, err
	}
	user, err := f.userName(ctx, ps.UserID)
	if err != nil {
		return Confirmation{}, err
	}
	token, err := randomToken()
	if err != nil {
		return Confirmation{}, err
	}
	raw, err := json.Marshal(held{Version: 1, Verifier: verifier.Reveal(), Code: code})
	if err != nil {
		return Confirmation{}, fmt.Errorf("encode held authorization: %w", err)
	}
	hs := ps
	hs.StateHash = ConfirmHash(token)
	hs.ExpiresAt = f.now().Add(ConfirmTTL).UTC()
	hs.CreatedAt = f.now().UTC()
	err = f.Vault.SealAndStore(ctx, ps.UserID, vault.PurposeOAuthVerify, hs.StateHash, raw, func(sealed []byte, dekVersion int) error {
		hs.Verifier, hs.DEKVersion = sealed, dekVersion
		return f.Store.User(ps.UserID).PutOAuthState(ctx, hs)
	})
	if err != nil {
		return Confirmation{}, fmt.Errorf("store held authorization: %w", err)
	}
	action := CallbackPath
	if u, err := url.Parse(ps.RedirectURL); err == nil && u.Path != "" {
		action = u.Path
	}
	return Confirmation{User: user, Name: ps.Name, Provider: ps.Provider, Token: token,
		ExpiresAt: hs.ExpiresAt, Action: action, hash: hs.StateHash}, nil
}

// Confirm exchanges a held authorization's code and stores the connection.
// The token is used up whatever the outcome.
func (f *Flow) Confirm(ctx context.Context, token string) (store.Connection, error) {
	hs, opened, err := f.takeOpen(ctx, ConfirmHash(token), token, "held authorization")
	if err != nil {
		return store.Connection{}, err
	}
	var h held
	if err := json.Unmarshal(opened.Bytes(), &h); err != nil || h.Version != 1 || h.Code == "" {
		return store.Connection{}, errors.New("open held authorization: it is not one this mcpgate wrote")
	}
	return f.exchange(ctx, hs, h.Verifier, h.Code)
}

// Cancel drops a held authorization without exchanging its code.
func (f *Flow) Cancel(ctx context.Context, token string) error {
	_, err := f.take(ctx, ConfirmHash(token), token)
	return err
}

func (f *Flow) userName(ctx context.Context, userID string) (string, error) {
	users, err := f.Store.Privileged().ListUsers(ctx)
	if err != nil {
		return "", fmt.Errorf("list users: %w", err)
	}
	for _, u := range users {
		if u.ID == userID {
			return u.Name, nil
		}
	}
	return "", ErrUnknownState
}
