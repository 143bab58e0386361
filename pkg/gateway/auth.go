package gateway

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/mcpgate/mcpgate/pkg/apikey"
	"github.com/mcpgate/mcpgate/pkg/store"
)

// Identity is who a request comes from: an app key and its owner.
type Identity struct {
	UserID  string
	KeyID   string
	KeyName string
	Scope   []string
}

type identityKey struct{}

// IdentityFrom returns the identity the auth middleware put in ctx.
func IdentityFrom(ctx context.Context) (Identity, bool) {
	id, ok := ctx.Value(identityKey{}).(Identity)
	return id, ok
}

// authenticate checks the bearer key. Unknown, malformed, revoked and wrong
// keys all get the same 401, so a caller learns nothing about which.
func (g *Gateway) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, ok := bearer(r)
		if !ok {
			g.unauthorized(w, "missing")
			return
		}
		ctx, _ := withViewSlot(r.Context())
		k, err := g.verifier.Verify(ctx, raw, clientAddr(r, g.cfg.BehindProxy))
		switch {
		case errors.Is(err, apikey.ErrRateLimited):
			g.metrics.AuthFailures.WithLabelValues("rate_limited").Inc()
			w.Header().Set("Retry-After", "60")
			http.Error(w, "too many failed authentication attempts; try again later", http.StatusTooManyRequests)
			return
		case errors.Is(err, apikey.ErrInvalid):
			g.unauthorized(w, "invalid")
			return
		case err != nil:
			g.log.Error("verify app key", "err", err.Error())
			http.Error(w, "authentication is unavailable; try again later", http.StatusServiceUnavailable)
			return
		}
		g.touch(k)
		id := Identity{UserID: k.UserID, KeyID: k.ID, KeyName: k.Name, Scope: k.Scope}
		next.ServeHTTP(w, r.WithContext(context.WithValue(ctx, identityKey{}, id)))
	})
}

func (g *Gateway) unauthorized(w http.ResponseWriter, reason string) {
	g.metrics.AuthFailures.WithLabelValues(reason).Inc()
	w.Header().Set("WWW-Authenticate", `Bearer realm="mcpgate"`)
	http.Error(w, "a valid mcpgate app key is required (Authorization: Bearer mgw_...)", http.StatusUnauthorized)
}

// touch records last use at most once a minute per key, off the hot path.
// The key's row may come from the request's view, older than the last
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

// clientAddr is the address failed attempts are counted against. Behind a
// reverse proxy every request comes from the proxy, so the address the
// proxy appended to X-Forwarded-For (the last one; earlier ones are the
// client's to forge) is used instead.
func clientAddr(r *http.Request, behindProxy bool) string {
	if behindProxy {
		if xff := r.Header.Values("X-Forwarded-For"); len(xff) > 0 {
			parts := strings.Split(xff[len(xff)-1], ",")
			if ip := strings.TrimSpace(parts[len(parts)-1]); net.ParseIP(ip) != nil {
				return ip
			}
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

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
	if t.last == nil || len(t.last) >= maxViewEntries {
		t.last = map[string]time.Time{}
	}
	t.last[id] = now
	return true
}
