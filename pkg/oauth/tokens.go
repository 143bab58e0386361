package oauth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"

	"github.com/mcpgate/mcpgate/pkg/connector"
	"github.com/mcpgate/mcpgate/pkg/secret"
	"github.com/mcpgate/mcpgate/pkg/store"
	"github.com/mcpgate/mcpgate/pkg/vault"
)

// Connection statuses.
const (
	StatusOK          = "ok"
	StatusNeedsReauth = "needs_reauth"
)

// refreshEarly refreshes a token this long before it expires, so that a
// call never starts with a token about to lapse.
const refreshEarly = time.Minute

// ErrNeedsReauth means the provider refused the refresh token for good;
// the person must connect again.
var ErrNeedsReauth = errors.New("the provider no longer accepts this connection's refresh token")

// Tokens hands out fresh access tokens for OAuth connections. At most one
// refresh per connection runs at a time in this process and, where the
// store can lock across processes (PostgreSQL), in all of them; still,
// every write is a compare-and-swap on the row as read, and a
// writer that loses reads the row again and decides from what it finds
// (see persist and refused), so no refreshed token is lost and no
// connection is marked for re-authorization over a working token.
type Tokens struct {
	Flow *Flow
	Log  *slog.Logger

	mu    sync.Mutex
	locks map[string]*sync.Mutex
}

// ForCall returns what a call to c's upstream sends: the stored credential
// itself, or for an OAuth connection a fresh access token (see Access).
func (t *Tokens) ForCall(ctx context.Context, c store.Connection, cred secret.Value, force bool) (secret.Value, error) {
	if c.AuthKind != connector.AuthOAuth2 {
		return cred, nil
	}
	return t.Access(ctx, c, cred, force)
}

// Access returns the access token to call with. cred is the connection's
// opened credential. force refreshes even if the token looks valid (after
// the upstream answered 401).
func (t *Tokens) Access(ctx context.Context, c store.Connection, cred secret.Value, force bool) (secret.Value, error) {
	tok, err := decodeToken(cred)
	if err != nil {
		return secret.Value{}, err
	}
	if !force && !expiring(&tok.Token, t.Flow.now()) {
		return secret.FromString(tok.AccessToken), nil
	}
	l := t.lock(c.ID)
	l.Lock()
	defer l.Unlock()
	// The store's lock makes the other processes sharing the database
	// (replicas, a command) wait too, so a token is refreshed once.
	var access secret.Value
	err = t.Flow.Store.User(c.UserID).WithConnectionLock(ctx, c.ID, func(ctx context.Context) error {
		// Another call may have refreshed while this one waited.
		cur, curTok, err := t.reload(ctx, c)
		if err != nil {
			return err
		}
		if curTok.AccessToken != tok.AccessToken && !expiring(&curTok.Token, t.Flow.now()) {
			access = secret.FromString(curTok.AccessToken)
			return nil
		}
		access, err = t.refresh(ctx, cur, curTok)
		return err
	})
	if err != nil {
		return secret.Value{}, err
	}
	return access, nil
}

func (t *Tokens) lock(id string) *sync.Mutex {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.locks == nil {
		t.locks = map[string]*sync.Mutex{}
	}
	l, ok := t.locks[id]
	if !ok {
		l = &sync.Mutex{}
		t.locks[id] = l
	}
	return l
}

// reload reads c's row again and opens its token set; ErrNeedsReauth if
// the row is marked for re-authorization.
func (t *Tokens) reload(ctx context.Context, c store.Connection) (store.Connection, *tokenSet, error) {
	cur, tok, err := t.read(ctx, c)
	if err == nil && cur.Status == StatusNeedsReauth {
		err = ErrNeedsReauth
	}
	return cur, tok, err
}

// read reads c's row again and opens its token set, whatever its status.
// A row read just before a DEK rotation re-sealed it may name a version
// retired since: then the row is read again.
func (t *Tokens) read(ctx context.Context, c store.Connection) (store.Connection, *tokenSet, error) {
	var lastErr error
	for range 3 {
		cur, err := t.Flow.Store.User(c.UserID).Connection(ctx, c.Name)
		if err != nil {
			return c, nil, fmt.Errorf("reload connection: %w", err)
		}
		if cur.ID != c.ID {
			return cur, nil, fmt.Errorf("reload connection: %q was removed and connected again: %w", c.Name, store.ErrNotFound)
		}
		if cur.Status == StatusNeedsReauth && len(cur.Credential) == 0 {
			return cur, nil, ErrNeedsReauth // its credential was lost (see migration 7)
		}
		cred, err := t.Flow.Vault.Open(ctx, c.UserID, vault.PurposeCredential, cur.ID, cur.Credential)
		if err != nil {
			lastErr = err
			continue
		}
		tok, err := decodeToken(cred)
		return cur, tok, err
	}
	return c, nil, lastErr
}

// refresh gets a new token for the token set old, which c (the row as
// read) holds, persists it sealed, and only then returns it.
func (t *Tokens) refresh(ctx context.Context, c store.Connection, old *tokenSet) (secret.Value, error) {
	if old.RefreshToken == "" {
		return t.refused(ctx, c, old, "no refresh token was issued")
	}
	var tok *oauth2.Token
	var err error
	if old.MCP != nil {
		tok, err = t.Flow.refreshMCP(ctx, old.MCP, old.RefreshToken)
	} else {
		conf, _, cerr := clientConfig(t.Flow.Config, c.Provider, "", strings.Fields(c.Scopes))
		if cerr != nil {
			return secret.Value{}, cerr
		}
		stale := &oauth2.Token{RefreshToken: old.RefreshToken, Expiry: time.Unix(1, 0)}
		tok, err = conf.TokenSource(t.Flow.httpContext(ctx, c.Provider), stale).Token()
	}
	if err != nil {
		var re *oauth2.RetrieveError
		if errors.As(err, &re) && (re.ErrorCode == "invalid_grant") {
			return t.refused(ctx, c, old, "invalid_grant")
		}
		return secret.Value{}, fmt.Errorf("refresh the %s token: %s", c.Provider, describeTokenError(err))
	}
	if tok.RefreshToken == "" {
		tok.RefreshToken = old.RefreshToken // the provider keeps the one we have
	}
	unknownExpiry(tok, t.Flow.now())
	return t.persist(ctx, c, old, &tokenSet{Token: *tok, MCP: old.MCP})
}

// casRounds bounds how often a refresh re-reads a row that keeps changing
// under it (each change is another writer's success, so this is never
// reached in practice).
const casRounds = 10

// persist stores tok, refreshed from the token set old, on top of the
// connection's row. The write is a compare-and-swap on the row as read;
// if another writer came first, the row is read again and what it holds
// decides: the same token set as old (only re-sealed by a DEK rotation,
// or marked for re-authorization by a process whose refresh lost) means
// tok is the newest and is stored on top of that version; another token
// set means another refresh stored a newer token, which is then used.
func (t *Tokens) persist(ctx context.Context, c store.Connection, old, tok *tokenSet) (secret.Value, error) {
	raw, err := json.Marshal(tok)
	if err != nil {
		return secret.Value{}, fmt.Errorf("encode token: %w", err)
	}
	us := t.Flow.Store.User(c.UserID)
	for range casRounds {
		prev, next := c.UpdatedAt, c
		next.ExpiresAt, next.Status = tok.Expiry.UTC(), StatusOK
		err = t.Flow.Vault.SealAndStore(ctx, c.UserID, vault.PurposeCredential, c.ID, raw, func(sealed []byte, dekVersion int) error {
			next.Credential, next.DEKVersion, next.UpdatedAt = sealed, dekVersion, t.stamp(prev)
			return us.UpdateConnectionIf(ctx, next, prev)
		})
		if err == nil {
			return secret.FromString(tok.AccessToken), nil
		}
		if !errors.Is(err, store.ErrConflict) {
			return secret.Value{}, fmt.Errorf("store refreshed token: %w", err)
		}
		cur, curTok, rerr := t.read(ctx, c)
		if rerr != nil {
			return secret.Value{}, rerr
		}
		if !sameTokens(curTok, old) {
			if cur.Status == StatusNeedsReauth {
				return secret.Value{}, ErrNeedsReauth
			}
			return secret.FromString(curTok.AccessToken), nil
		}
		c = cur
	}
	return secret.Value{}, fmt.Errorf("store refreshed token: %w", store.ErrConflict)
}

// refusedWait is how long a refresh refused with invalid_grant waits for
// a refresh by another process, which a provider that rotates refresh
// tokens makes the cause (the other process spent the token first), to
// store its token, before the connection is marked for re-authorization.
const (
	refusedWait = 3 * time.Second
	refusedPoll = 100 * time.Millisecond
)

// refused handles a refresh token the provider would not take (or that
// was never issued). The refusal is about old, the token set in c as read;
// if the row holds another token set by now, another refresh replaced it
// and that token is used. Otherwise the connection is marked for
// re-authorization, conditionally on the version of the row read, so that
// a token stored meanwhile is never overwritten.
func (t *Tokens) refused(ctx context.Context, c store.Connection, old *tokenSet, why string) (secret.Value, error) {
	deadline := time.Now().Add(refusedWait)
	if old.RefreshToken == "" {
		deadline = time.Now() // nothing another process could have spent
	}
	for conflicts := 0; conflicts < casRounds; {
		cur, curTok, err := t.read(ctx, c)
		if err != nil {
			return secret.Value{}, err
		}
		switch {
		case !sameTokens(curTok, old) && cur.Status != StatusNeedsReauth:
			return secret.FromString(curTok.AccessToken), nil
		case cur.Status == StatusNeedsReauth:
			return secret.Value{}, ErrNeedsReauth
		case time.Now().Before(deadline):
			select {
			case <-ctx.Done():
				return secret.Value{}, ctx.Err()
			case <-time.After(refusedPoll):
			}
			continue
		}
		marked := cur
		marked.Status, marked.UpdatedAt = StatusNeedsReauth, t.stamp(cur.UpdatedAt)
		err = t.Flow.Store.User(c.UserID).UpdateConnectionIf(ctx, marked, cur.UpdatedAt)
		if errors.Is(err, store.ErrConflict) {
			conflicts++
			continue // changed meanwhile: look at it again
		}
		if err != nil {
			return secret.Value{}, fmt.Errorf("mark connection for re-authorization: %w", err)
		}
		if t.Log != nil {
			t.Log.Warn("connection needs re-authorization", "connection", c.Name, "provider", c.Provider, "reason", why)
		}
		return secret.Value{}, ErrNeedsReauth
	}
	return secret.Value{}, fmt.Errorf("mark connection for re-authorization: %w", store.ErrConflict)
}

// stamp is the UpdatedAt of a write replacing a row stamped prev: now, or
// just after prev if the clock has not moved past it, so that the
// compare-and-swap of a writer that read the row before sees a change.
func (t *Tokens) stamp(prev time.Time) time.Time {
	now := t.Flow.now().UTC().Truncate(time.Microsecond)
	if !now.After(prev) {
		now = prev.UTC().Truncate(time.Microsecond).Add(time.Microsecond)
	}
	return now
}

// sameTokens reports whether a and b are one token set (the same access
// and refresh token), whatever they were sealed under.
func sameTokens(a, b *tokenSet) bool {
	return a.AccessToken == b.AccessToken && a.RefreshToken == b.RefreshToken
}

// unknownExpiry treats an expiry that is not in the future (the provider
// sent an expires_in of zero or less) as unknown, like no expires_in at
// all: the token is used until the upstream refuses it (HTTP 401), then
// refreshed once. Taken at its word, it would make every call refresh.
func unknownExpiry(tok *oauth2.Token, now time.Time) {
	if !tok.Expiry.IsZero() && !tok.Expiry.After(now) {
		tok.Expiry = time.Time{}
	}
}

// tokenSet is what an OAuth connection's credential holds: the token, and
// for an MCP server's connection how to refresh it (its client
// registration and authorization server), which the configuration holds
// for the built-in providers.
type tokenSet struct {
	oauth2.Token
	MCP *upstreamAuth `json:"mcp,omitempty"`
}

func decodeToken(cred secret.Value) (*tokenSet, error) {
	var tok tokenSet
	if err := json.Unmarshal(cred.Bytes(), &tok); err != nil || tok.AccessToken == "" {
		return nil, errors.New("the stored OAuth token is unreadable; reconnect with `mcpgate connect add`")
	}
	if tok.MCP != nil && tok.MCP.V != upstreamVersion {
		return nil, errors.New("the stored OAuth client registration is not one this mcpgate wrote; reconnect with `mcpgate connect add mcp`")
	}
	return &tok, nil
}

func expiring(tok *oauth2.Token, now time.Time) bool {
	return !tok.Expiry.IsZero() && now.Add(refreshEarly).After(tok.Expiry)
}

// AccessFrom returns the access token in a stored token set, without
// refreshing it (for revocation, where an expired token still names the
// grant).
func AccessFrom(cred secret.Value) (secret.Value, error) {
	tok, err := decodeToken(cred)
	if err != nil {
		return secret.Value{}, err
	}
	return secret.FromString(tok.AccessToken), nil
}
