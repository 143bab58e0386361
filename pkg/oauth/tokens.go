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
// refresh per connection runs at a time in this process; across
// processes, the store's compare-and-swap lets the first refresh win and
// the others use its token.
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
	if !force && !expiring(tok, t.Flow.now()) {
		return secret.FromString(tok.AccessToken), nil
	}
	l := t.lock(c.ID)
	l.Lock()
	defer l.Unlock()
	// Another call may have refreshed while this one waited.
	cur, curTok, err := t.reload(ctx, c)
	if err != nil {
		return secret.Value{}, err
	}
	if curTok.AccessToken != tok.AccessToken && !expiring(curTok, t.Flow.now()) {
		return secret.FromString(curTok.AccessToken), nil
	}
	return t.refresh(ctx, cur, curTok)
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

func (t *Tokens) reload(ctx context.Context, c store.Connection) (store.Connection, *oauth2.Token, error) {
	cur, err := t.Flow.Store.User(c.UserID).Connection(ctx, c.Name)
	if err != nil {
		return c, nil, fmt.Errorf("reload connection: %w", err)
	}
	if cur.Status == StatusNeedsReauth {
		return cur, nil, ErrNeedsReauth
	}
	cred, err := t.Flow.Vault.Open(ctx, c.UserID, vault.PurposeCredential, cur.ID, cur.Credential)
	if err != nil {
		return cur, nil, err
	}
	tok, err := decodeToken(cred)
	return cur, tok, err
}

// refresh gets a new token, persists it sealed, and only then returns it.
func (t *Tokens) refresh(ctx context.Context, c store.Connection, old *oauth2.Token) (secret.Value, error) {
	if old.RefreshToken == "" {
		return secret.Value{}, t.markReauth(ctx, c, "no refresh token was issued")
	}
	conf, _, err := clientConfig(t.Flow.Config, c.Provider, "", strings.Fields(c.Scopes))
	if err != nil {
		return secret.Value{}, err
	}
	stale := &oauth2.Token{RefreshToken: old.RefreshToken, Expiry: time.Unix(1, 0)}
	tok, err := conf.TokenSource(t.Flow.httpContext(ctx, c.Provider), stale).Token()
	if err != nil {
		var re *oauth2.RetrieveError
		if errors.As(err, &re) && (re.ErrorCode == "invalid_grant") {
			return secret.Value{}, t.markReauth(ctx, c, "invalid_grant")
		}
		return secret.Value{}, fmt.Errorf("refresh the %s token: %s", c.Provider, describeTokenError(err))
	}
	raw, err := json.Marshal(tok)
	if err != nil {
		return secret.Value{}, fmt.Errorf("encode token: %w", err)
	}
	prev := c.UpdatedAt
	c.Credential, c.DEKVersion, err = t.Flow.Vault.Seal(ctx, c.UserID, vault.PurposeCredential, c.ID, raw)
	if err != nil {
		return secret.Value{}, err
	}
	c.ExpiresAt, c.UpdatedAt, c.Status = tok.Expiry.UTC(), t.Flow.now().UTC(), StatusOK
	err = t.Flow.Store.User(c.UserID).UpdateConnectionIf(ctx, c, prev)
	if errors.Is(err, store.ErrConflict) {
		// Another process refreshed first; its token is the one to use.
		_, won, rerr := t.reload(ctx, c)
		if rerr != nil {
			return secret.Value{}, rerr
		}
		return secret.FromString(won.AccessToken), nil
	}
	if err != nil {
		return secret.Value{}, fmt.Errorf("store refreshed token: %w", err)
	}
	return secret.FromString(tok.AccessToken), nil
}

func (t *Tokens) markReauth(ctx context.Context, c store.Connection, why string) error {
	c.Status, c.UpdatedAt = StatusNeedsReauth, t.Flow.now().UTC()
	if err := t.Flow.Store.User(c.UserID).UpdateConnection(ctx, c); err != nil {
		return fmt.Errorf("mark connection for re-authorization: %w", err)
	}
	if t.Log != nil {
		t.Log.Warn("connection needs re-authorization", "connection", c.Name, "provider", c.Provider, "reason", why)
	}
	return ErrNeedsReauth
}

func decodeToken(cred secret.Value) (*oauth2.Token, error) {
	var tok oauth2.Token
	if err := json.Unmarshal(cred.Bytes(), &tok); err != nil || tok.AccessToken == "" {
		return nil, errors.New("the stored OAuth token is unreadable; reconnect with `mcpgate connect add`")
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
