package gateway

import (
	"context"
	"log/slog"
	"net/http"

	"go.opentelemetry.io/otel/trace"

	"github.com/mcpgate/mcpgate/pkg/apikey"
	"github.com/mcpgate/mcpgate/pkg/approval"
	"github.com/mcpgate/mcpgate/pkg/audit"
	"github.com/mcpgate/mcpgate/pkg/authserver"
	"github.com/mcpgate/mcpgate/pkg/config"
	"github.com/mcpgate/mcpgate/pkg/connector"
	"github.com/mcpgate/mcpgate/pkg/guard"
	"github.com/mcpgate/mcpgate/pkg/mcpup"
	"github.com/mcpgate/mcpgate/pkg/oauth"
	"github.com/mcpgate/mcpgate/pkg/snapshot"
	"github.com/mcpgate/mcpgate/pkg/store"
	"github.com/mcpgate/mcpgate/pkg/tracing"
	"github.com/mcpgate/mcpgate/pkg/vault"
)

// Options are what a Gateway is made of.
type Options struct {
	Config *config.Config
	Store  store.Store
	Vault  *vault.Vault
	Audit  *audit.Writer
	Guard  guard.Guard // nil: guard.AllowAll
	// Tokens refreshes OAuth tokens.
	Tokens  *oauth.Tokens
	Metrics *Metrics // nil: a private registry
	Logger  *slog.Logger
	Version string
	// HTTPClient reaches upstreams; nil builds one with the configured
	// timeout.
	HTTPClient *http.Client
	// OAuth is mcpgate's own authorization server; nil when it is off
	// (only mgw_ keys are accepted).
	OAuth *authserver.Server
	// MCP runs the users' MCP servers; nil serves no MCP connection's
	// tools.
	MCP *mcpup.Pool
	// Tracing records spans of each request; nil or off records none.
	Tracing *tracing.Tracing
	// Approvals holds calls that need a person's approval; nil builds one
	// on Store and Vault from the config, which tells no one but the CLI.
	Approvals *approval.Service
}

// Gateway serves MCP to app keys. It is safe for concurrent use.
type Gateway struct {
	cfg       *config.Config
	st        store.Store
	vault     *vault.Vault
	audit     *audit.Writer
	guard     guard.Guard
	tokens    *oauth.Tokens
	metrics   *Metrics
	log       *slog.Logger
	version   string
	http      *http.Client
	verifier  *apikey.Verifier
	servers   *serverCache
	snaps     *snapshot.Cache
	policies  policies
	secrets   secretsCache
	touched   touches
	oauth     *authserver.Server
	mcp       *mcpup.Pool
	relays    relays
	approvals *approval.Service
	tracer    trace.Tracer // the no-op tracer when off
	traced    bool
}

// New builds a gateway.
func New(o Options) *Gateway {
	g := &Gateway{
		cfg: o.Config, st: o.Store, vault: o.Vault, audit: o.Audit, guard: o.Guard, tokens: o.Tokens,
		metrics: o.Metrics, log: o.Logger, version: o.Version, http: o.HTTPClient, oauth: o.OAuth, mcp: o.MCP,
		approvals: o.Approvals,
	}
	if g.guard == nil {
		g.guard = guard.New(g.loadPolicy, g.countRate, guard.Options{})
	}
	if g.approvals == nil {
		g.approvals = approval.New(approval.Options{
			Store: o.Store, Vault: o.Vault, TTL: o.Config.Approvals.TTL, Wait: o.Config.Approvals.Wait, PublicURL: o.Config.PublicURL,
		})
	}
	if g.metrics == nil {
		g.metrics = NewMetrics(nil)
	}
	if g.log == nil {
		g.log = slog.New(slog.DiscardHandler)
	}
	if g.http == nil {
		g.http = connector.NewHTTPClient(o.Config.Limits.UpstreamTimeout)
	}
	g.tracer, g.traced = o.Tracing.Tracer(), o.Tracing.Enabled()
	if g.traced {
		// Each upstream request gets its own client span and the
		// trace's traceparent header.
		c := *g.http
		base := c.Transport
		if base == nil {
			base = http.DefaultTransport
		}
		c.Transport = tracing.Transport(base, g.tracer)
		g.http = &c
	}
	g.snaps = snapshot.New(g.st, g.readPolicy)
	g.verifier = apikey.NewVerifier(g.lookupKey, apikey.Options{})
	g.servers = newServerCache(1024)
	return g
}

// lookupKey is the verifier's Lookup. It is the first database read of a
// request: it reads the store's generation, gives the request the
// snapshot for it, and reads the key through that snapshot.
func (g *Gateway) lookupKey(ctx context.Context, id string) (store.APIKey, error) {
	req := requestFrom(ctx)
	if req == nil {
		return g.st.Privileged().APIKey(ctx, id)
	}
	s, err := g.snaps.At(ctx)
	if err != nil {
		return store.APIKey{}, err
	}
	req.snap = s
	return s.Key(ctx, id)
}
