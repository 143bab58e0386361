package appliance

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/mcpgate/mcpgate/pkg/approval"
	"github.com/mcpgate/mcpgate/pkg/audit"
	"github.com/mcpgate/mcpgate/pkg/authserver"
	"github.com/mcpgate/mcpgate/pkg/gateway"
	"github.com/mcpgate/mcpgate/pkg/mcpup"
	"github.com/mcpgate/mcpgate/pkg/oauth"
	"github.com/mcpgate/mcpgate/pkg/server"
	"github.com/mcpgate/mcpgate/pkg/tracing"
)

// Serving is a gateway ready to start: Server's listeners, and Close for
// what it holds beyond them (the audit writer).
type Serving struct {
	Server  *server.Server
	Gateway *gateway.Gateway
	audit   *audit.Writer
	mcp     *mcpup.Pool
	tracing *tracing.Tracing
	// Approvals is the approval page; its SignIn may be set before the
	// server starts (tests), else it is the authorization server's.
	Approvals *approval.Page
	forward   *forwarding
}

// Close stops every MCP server process (killing its process group) and
// flushes the audit writer. Call it after the server has stopped.
func (s *Serving) Close() error {
	_ = s.mcp.Close()
	err := s.audit.Close()
	// The last spans (those of the requests just drained) are exported
	// within a bounded wait.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if terr := s.tracing.Shutdown(ctx); err == nil {
		err = terr
	}
	s.forward.Close()
	return err
}

// NewServing checks that the vault opens the owner's data key, then wires
// the gateway and its listeners.
func (a *App) NewServing(ctx context.Context, log *slog.Logger, version string) (*Serving, error) {
	owner, err := a.ResolveUser(ctx, "")
	if err != nil {
		return nil, err
	}
	if err := a.Vault.Check(ctx, owner.ID); err != nil {
		return nil, fmt.Errorf("vault check: %w", err)
	}
	if err := a.RegisterKEK(ctx); err != nil {
		return nil, fmt.Errorf("record the KEK: %w", err)
	}
	if c, ok := a.Store.(interface{ CheckSessionLogin(context.Context) error }); ok {
		// Still served, as before: but without the database's help in
		// keeping one user's requests from another's rows.
		if err := c.CheckSessionLogin(ctx); err != nil {
			log.Warn("serve's database login can act across users: run `mcpgate init` to create a login for serve, "+
				"and set database.url to it (and database.admin_url to the current one)", "err", err.Error())
		}
	}
	tr, err := tracing.FromEnv(ctx, os.Getenv, version)
	if err != nil {
		return nil, err
	}
	if tr.Enabled() {
		log.Info("tracing on: spans are exported over OTLP/HTTP as the OTEL_EXPORTER_OTLP_* variables say")
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	a.KeyAuditLogs(ctx, func(u string, n int64, err error) {
		if err != nil {
			log.Error("the audit log cannot be keyed: its calls will fail until it is repaired (see `mcpgate audit verify`)", "user", u, "error", err)
		} else if n > 0 {
			log.Info("audit log re-chained under the user's audit key", "user", u, "records", n)
		}
	})
	aw := audit.NewWriter(a.Store, a.AuditKeys)
	fwd, err := a.startForwarding(log, reg)
	if err != nil {
		return nil, err
	}
	if fwd != nil {
		aw.OnCommit(fwd.fw.Kick)
	}
	flow, tokens := a.OAuth()
	tokens.Log = log
	as := authserver.New(authserver.Options{Config: a.Config, Store: a.Store, Logger: log})
	mo := a.MCPOptions(version)
	mo.Logger = log
	if tr.Enabled() {
		mo.Tracer = tr.Tracer()
	}
	pool := mcpup.NewPool(mo)
	approvals, err := a.approvalService(log, reg)
	if err != nil {
		return nil, err
	}
	gw := gateway.New(gateway.Options{
		Config: a.Config, Store: a.Store, Vault: a.Vault, Audit: aw, Tokens: tokens,
		Metrics: gateway.NewMetrics(reg), Logger: log, Version: version, OAuth: as, MCP: pool, Tracing: tr,
		Approvals: approvals,
	})
	page := &approval.Page{
		Service: approvals, Store: a.Store, Logger: log,
		Secure: strings.HasPrefix(a.Config.PublicURL, "https://") || a.Config.TLS.Mode != "off",
	}
	if as != nil {
		// Browser sign-in, where the authorization server offers it.
		if si, ok := any(as).(approval.SignIn); ok {
			page.SignIn = si
		}
	}
	routes := map[string]http.Handler{oauth.CallbackPath: flow.Callback(oauth.CallbackOptions{})}
	if as != nil {
		maps.Copy(routes, as.Routes())
	}
	if path, h, ok := a.ClientMetadataRoute(); ok {
		routes[path] = h
	}
	maps.Copy(routes, page.Routes())
	srv := server.New(server.Options{
		Config:   a.Config,
		MCP:      gw.Handler(),
		Routes:   routes,
		Registry: reg,
		Logger:   log,
		Ready: func(ctx context.Context) error {
			if err := a.Store.Ping(ctx); err != nil {
				return err
			}
			return a.Vault.Check(ctx, "")
		},
	})
	return &Serving{Server: srv, Gateway: gw, audit: aw, mcp: pool, tracing: tr, Approvals: page, forward: fwd}, nil
}
