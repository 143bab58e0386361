package gateway

import (
	"context"
	"errors"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/mcpgate/mcpgate/pkg/apikey"
	"github.com/mcpgate/mcpgate/pkg/authserver"
	"github.com/mcpgate/mcpgate/pkg/store"
)

// Identity is who a request comes from: an app key and its owner.
type Identity struct {
	UserID  string
	KeyID   string
	KeyName string
	Scope   []string
}

// authenticate checks the bearer key. Unknown, malformed, revoked and wrong
// keys all get the same 401, so a caller learns nothing about which.
func (g *Gateway) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, ok := bearer(r)
		if !ok {
			g.unauthorized(w, r, "missing")
			return
		}
		ctx, req := withRequest(r.Context())
		if g.oauth != nil && authserver.IsAccessToken(raw) {
			g.authenticateToken(w, r, next, ctx, req, raw)
			return
		}
		k, err := g.verifier.Verify(ctx, raw, clientAddr(r, g.cfg.BehindProxy, g.cfg.TrustedProxies))
		switch {
		case errors.Is(err, apikey.ErrRateLimited):
			g.metrics.AuthFailures.WithLabelValues("rate_limited").Inc()
			w.Header().Set("Retry-After", "60")
			http.Error(w, "too many failed authentication attempts; try again later", http.StatusTooManyRequests)
			return
		case errors.Is(err, apikey.ErrInvalid):
			g.unauthorized(w, r, "invalid")
			return
		case err != nil:
			g.unavailable(w, "verify app key", err)
			return
		}
		g.touch(k)
		req.id, req.authed = Identity{UserID: k.UserID, KeyID: k.ID, KeyName: k.Name, Scope: k.Scope}, true
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// authenticateToken checks an access token of mcpgate's own authorization
// server: bound to this endpoint, its grant's key read as an mgw_ key's
// is (through the request's snapshot), so revoking the key refuses it.
func (g *Gateway) authenticateToken(w http.ResponseWriter, r *http.Request, next http.Handler, ctx context.Context, req *request, raw string) {
	o, err := g.oauth.CheckAccess(ctx, raw, r.URL.Path)
	if errors.Is(err, authserver.ErrInvalidToken) {
		g.unauthorized(w, r, "invalid")
		return
	} else if err != nil {
		g.unavailable(w, "verify access token", err)
		return
	}
	k, err := g.lookupKey(ctx, o.KeyID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && (k.Revoked() || k.UserID != o.UserID)) {
		g.unauthorized(w, r, "invalid")
		return
	} else if err != nil {
		g.unavailable(w, "verify access token", err)
		return
	}
	g.touch(k)
	req.id, req.authed = Identity{UserID: k.UserID, KeyID: k.ID, KeyName: k.Name, Scope: k.Scope}, true
	next.ServeHTTP(w, r.WithContext(ctx))
}

// unavailable answers 503 when a credential cannot be checked because the
// database does not answer; the cause goes to the log only.
func (g *Gateway) unavailable(w http.ResponseWriter, what string, err error) {
	g.log.Error(what, "err", err.Error())
	http.Error(w, "the gateway cannot check app keys: its database is unavailable; try again later", http.StatusServiceUnavailable)
}

// unauthorized refuses a request without usable credentials. With the
// authorization server on, the challenge points to the endpoint's
// protected resource metadata (RFC 9728 section 5.1), where an OAuth
// client finds how to get a token.
func (g *Gateway) unauthorized(w http.ResponseWriter, r *http.Request, reason string) {
	g.metrics.AuthFailures.WithLabelValues(reason).Inc()
	challenge := `Bearer realm="mcpgate"`
	if g.oauth != nil && authserver.EndpointPath(r.URL.Path) {
		challenge += `, resource_metadata="` + g.oauth.ResourceMetadataURL(r.URL.Path) + `"`
		if reason == "invalid" {
			challenge += `, error="invalid_token"`
		}
	}
	w.Header().Set("WWW-Authenticate", challenge)
	http.Error(w, "a valid mcpgate app key or access token is required (Authorization: Bearer ...)", http.StatusUnauthorized)
}

// touch records last use at most once a minute per key, off the hot path.
// The key's row may come from the request's snapshot, older than the last
// touch, so the gateway remembers its own touches too.
func (g *Gateway) touch(k store.APIKey) {
	now := time.Now()
	if now.Sub(k.LastUsedAt) < time.Minute || !g.touched.due(k.ID, now) {
		return
	}
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := g.st.User(k.UserID).TouchAPIKey(ctx, k.ID, now); err != nil {
			g.log.Warn("record key use", "key", k.Name, "err", err.Error())
		}
	}()
}

func bearer(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "bearer") {
		return "", false
	}
	tok = strings.TrimSpace(tok)
	return tok, tok != ""
}

// clientAddr is the address failed attempts are counted against: the
// connection's peer, or, behind a reverse proxy, the right-most address in
// X-Forwarded-For (followed by the peer) that is not a trusted proxy. Each
// trusted proxy appends the address it received the request from, so the
// hops right of the first untrusted one are believable and everything left
// of it is the client's to forge. A peer that is not a trusted proxy is
// the client itself, whatever X-Forwarded-For it sends. A hop that is not
// an address stops the walk: the trusted hop right of it is the client.
func clientAddr(r *http.Request, behindProxy bool, trusted []netip.Prefix) string {
	peer, ok := parseHop(r.RemoteAddr)
	if !ok {
		return r.RemoteAddr // not an IP connection (a test's or a Unix socket's)
	}
	client := peer
	if behindProxy {
		hops := forwardedHops(r.Header.Values("X-Forwarded-For"))
		for i := len(hops); isTrusted(client, trusted) && i > 0; i-- {
			a, ok := parseHop(hops[i-1])
			if !ok {
				break
			}
			client = a
		}
	}
	return client.String()
}

// forwardedHops splits X-Forwarded-For, which may come as several header
// lines, into its hops, left-most first.
func forwardedHops(values []string) []string {
	var hops []string
	for _, v := range values {
		for h := range strings.SplitSeq(v, ",") {
			hops = append(hops, strings.TrimSpace(h))
		}
	}
	return hops
}

// parseHop reads an address as proxies write it: an IP, or an IP and port.
func parseHop(s string) (netip.Addr, bool) {
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap().WithZone(""), true
	}
	if a, err := netip.ParseAddr(s); err == nil {
		return a.Unmap().WithZone(""), true
	}
	return netip.Addr{}, false
}

func isTrusted(a netip.Addr, trusted []netip.Prefix) bool {
	for _, p := range trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// maxTouches bounds the keys touches remembers.
const maxTouches = 10000

// touches remembers when this gateway last recorded each key's use.
type touches struct {
	mu   sync.Mutex
	last map[string]time.Time
}

// due reports whether a minute has passed since id's last recorded use,
// and if so counts this one as recorded.
func (t *touches) due(id string, now time.Time) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if now.Sub(t.last[id]) < time.Minute {
		return false
	}
	if t.last == nil || len(t.last) >= maxTouches {
		t.last = map[string]time.Time{}
	}
	t.last[id] = now
	return true
}
