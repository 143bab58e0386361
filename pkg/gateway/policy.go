package gateway

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/mcpgate/mcpgate/pkg/connector"
	"github.com/mcpgate/mcpgate/pkg/guard"
	"github.com/mcpgate/mcpgate/pkg/mcpup"
	"github.com/mcpgate/mcpgate/pkg/secret"
	"github.com/mcpgate/mcpgate/pkg/store"
	"github.com/mcpgate/mcpgate/pkg/vault"
)

// policies compiles each stored policy document once. Policies are read
// from the store on every call (so `mcpgate key policy set` applies on the
// next call), but compiled only when their text changes.
type policies struct {
	mu     sync.Mutex
	byHash map[[32]byte]*guard.Policy
}

// loadPolicy is the guard's PolicyLoader: the user's default policy and
// the key's own, read through the request's snapshot.
func (g *Gateway) loadPolicy(ctx context.Context, userID, keyID string) (guard.Effective, error) {
	if s := requestFrom(ctx).snapshot(); s != nil {
		return s.Policy(ctx, userID, keyID)
	}
	return g.readPolicy(ctx, userID, keyID)
}

func (g *Gateway) readPolicy(ctx context.Context, userID, keyID string) (guard.Effective, error) {
	ps, err := g.st.User(userID).PolicyLayers(ctx, keyID)
	if err != nil {
		return guard.Effective{}, fmt.Errorf("read policy: %w", err)
	}
	var eff guard.Effective
	for _, p := range ps {
		c, err := g.policies.compile(p.Body)
		if err != nil {
			return guard.Effective{}, err
		}
		if p.KeyID == "" {
			eff.Default = c
		} else {
			eff.Key = c
		}
	}
	return eff, nil
}

func (c *policies) compile(body string) (*guard.Policy, error) {
	h := sha256.Sum256([]byte(body))
	c.mu.Lock()
	defer c.mu.Unlock()
	if p, ok := c.byHash[h]; ok {
		return p, nil
	}
	p, err := guard.Compile([]byte(body))
	if err != nil {
		return nil, fmt.Errorf("stored policy does not compile: %w", err)
	}
	if c.byHash == nil || len(c.byHash) > 1024 {
		c.byHash = map[[32]byte]*guard.Policy{}
	}
	c.byHash[h] = p
	return p, nil
}

// countRate is the guard's RateCounter, backed by the store so that
// limits hold across restarts and replicas.
func (g *Gateway) countRate(ctx context.Context, userID, keyID, ruleID string, windowStart time.Time, limit int) (int, bool, error) {
	return g.st.User(userID).HitRate(ctx, store.RateHit{KeyID: keyID, Rule: ruleID, WindowStart: windowStart, Limit: limit})
}

// secretsCache keeps, per user, a redactor for the credential values of
// the user's connections as last read, so results can be scrubbed of every
// one of them without opening each credential, or working out its
// encodings, on every call.
type secretsCache struct {
	mu     sync.Mutex
	byUser map[string]userSecrets
}

type userSecrets struct {
	fingerprint string
	redactor    *secret.Redactor
}

// userSecrets returns a redactor for every credential value the user
// holds: raw tokens, and the access and refresh tokens inside OAuth token
// sets.
func (g *Gateway) userSecrets(ctx context.Context, userID string, conns []store.Connection) *secret.Redactor {
	fp := make([]byte, 0, 64*len(conns))
	for _, c := range conns {
		fp = append(fp, c.ID...)
		fp = append(fp, '@')
		fp = strconv.AppendInt(fp, c.UpdatedAt.UnixMicro(), 10)
		fp = append(fp, '|')
	}
	g.secrets.mu.Lock()
	cached, ok := g.secrets.byUser[userID]
	g.secrets.mu.Unlock()
	if ok && cached.fingerprint == string(fp) {
		return cached.redactor
	}
	var values []secret.Value
	for _, c := range conns {
		cred, err := g.vault.Open(ctx, userID, vault.PurposeCredential, c.ID, c.Credential)
		if err != nil {
			continue
		}
		values = append(values, cred)
		if c.Provider == mcpup.Provider && c.AuthKind != mcpup.AuthOAuth {
			if sec, err := mcpup.ParseSecrets(cred.Bytes()); err == nil {
				values = append(values, sec.Values()...)
			}
			continue
		}
		if c.AuthKind == connector.AuthOAuth2 {
			var tok struct {
				Access  string `json:"access_token"`
				Refresh string `json:"refresh_token"`
			}
			if json.Unmarshal(cred.Bytes(), &tok) == nil {
				values = append(values, secret.FromString(tok.Access), secret.FromString(tok.Refresh))
			}
		}
	}
	r := secret.NewRedactor(values...)
	g.secrets.mu.Lock()
	if g.secrets.byUser == nil || len(g.secrets.byUser) > 10000 {
		g.secrets.byUser = map[string]userSecrets{}
	}
	g.secrets.byUser[userID] = userSecrets{fingerprint: string(fp), redactor: r}
	g.secrets.mu.Unlock()
	return r
}

// requestConns returns the user's connections as read for this request.
func (g *Gateway) requestConns(ctx context.Context, id Identity) []store.Connection {
	conns := requestFrom(ctx).connections()
	if conns == nil {
		var err error
		if conns, err = g.st.User(id.UserID).ListConnections(ctx); err != nil {
			g.log.Warn("list connections for redaction", "err", err.Error())
		}
	}
	return conns
}

// finish applies the decision to a result: every credential of the user
// echoed in it is redacted (always, whatever the policy says: the model
// never sees a credential), then it is cut, here and only here, to the
// key policy's max_result_bytes, else limits.max_result_bytes.
func (g *Gateway) finish(ctx context.Context, id Identity, dec *guard.Decision, out string) string {
	out, redacted := g.userSecrets(ctx, id.UserID, g.requestConns(ctx, id)).Redact(out)
	dec.Redacted = redacted
	return connector.Truncate(out, g.resultLimit(*dec))
}

// resultLimit is the effective bound on a result's size.
func (g *Gateway) resultLimit(dec guard.Decision) int {
	if dec.MaxResultBytes > 0 {
		return dec.MaxResultBytes
	}
	return g.cfg.Limits.MaxResultBytes
}
