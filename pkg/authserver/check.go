package authserver

import (
	"context"
	"errors"
	"strings"
	"sync"
	"time"

	"github.com/mcpgate/mcpgate/pkg/store"
)

// ErrInvalidToken is every refusal of an access token: unknown, expired,
// or for another endpoint.
var ErrInvalidToken = errors.New("invalid access token")

// IsAccessToken reports whether raw looks like one of this server's
// access tokens (and not an mgw_ key).
func IsAccessToken(raw string) bool { return strings.HasPrefix(raw, accessPrefix) }

// maxCachedTokens bounds the token cache.
const maxCachedTokens = 10000

// tokenCache keeps access token rows by hash. A row never changes once
// written (revoking a grant revokes its key, which the caller reads on
// every request), so a cached row is as good as a read one until it
// expires.
type tokenCache struct {
	mu   sync.Mutex
	rows map[string]store.OAuthToken
}

func (c *tokenCache) get(h string) (store.OAuthToken, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	o, ok := c.rows[h]
	return o, ok
}

func (c *tokenCache) put(o store.OAuthToken) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.rows == nil || len(c.rows) >= maxCachedTokens {
		c.rows = map[string]store.OAuthToken{}
	}
	c.rows[o.Hash] = o
}

// CheckAccess returns the access token raw presented at the endpoint path:
// ErrInvalidToken unless it is a live access token whose audience is that
// endpoint. The caller must still check the grant's key (KeyID), as for an
// mgw_ key: that is where revocation shows.
func (s *Server) CheckAccess(ctx context.Context, raw, path string) (store.OAuthToken, error) {
	if !IsAccessToken(raw) {
		return store.OAuthToken{}, ErrInvalidToken
	}
	h := hashOf(raw)
	o, ok := s.tokens.get(h)
	if !ok {
		var err error
		o, err = s.st.AuthServer().OAuthToken(ctx, h)
		if errors.Is(err, store.ErrNotFound) {
			return store.OAuthToken{}, ErrInvalidToken
		} else if err != nil {
			return store.OAuthToken{}, err
		}
		if o.Kind == "access" {
			s.tokens.put(o)
		}
	}
	if o.Kind != "access" || o.Hash != h || !s.now().Before(o.ExpiresAt) || o.Resource != path {
		return store.OAuthToken{}, ErrInvalidToken
	}
	return o, nil
}

// Approve gives the authorization waiting with the approval code to
// userID: the `mcpgate oauth approve` path. It returns the request's
// client name and endpoint, for the person to check.
func Approve(ctx context.Context, st store.Store, code, userID string, now time.Time) (clientName, resource string, err error) {
	req, err := st.AuthServer().ApproveOAuthRequest(ctx, hashOf(NormalizeApprovalCode(code)), userID, now)
	if err != nil {
		return "", "", err
	}
	c, err := st.AuthServer().OAuthClient(ctx, req.ClientID)
	if err != nil {
		return req.ClientID, req.Resource, nil
	}
	return c.Name, req.Resource, nil
}
