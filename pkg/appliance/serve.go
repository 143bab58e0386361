package appliance

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/mcpgate/mcpgate/pkg/audit"
	"github.com/mcpgate/mcpgate/pkg/gateway"
	"github.com/mcpgate/mcpgate/pkg/oauth"
	"github.com/mcpgate/mcpgate/pkg/server"
)

// Serving is a gateway ready to start: Server's listeners, and Close for
// what it holds beyond them (the audit writer).
type Serving struct {
	Server  *server.Server
	Gateway *gateway.Gateway
	audit   *audit.Writer
}

// Close flushes the audit writer. Call it after the server has stopped.
func (s *Serving) Close() error { return s.audit.Close() }

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
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	aw := audit.NewWriter(a.Store)
	flow, tokens := a.OAuth()
	tokens.Log = log
	gw := gateway.New(gateway.Options{
		Config: a.Config, Store: a.Store, Vault: a.Vault, Audit: aw, Tokens: tokens,
		Metrics: gateway.NewMetrics(reg), Logger: log, Version: version,
	})
	srv := server.New(server.Options{
		Config:   a.Config,
		MCP:      gw.Handler(),
		Routes:   map[string]http.Handler{oauth.CallbackPath: flow.Callback(oauth.CallbackOptions{})},
		Registry: reg,
		Logger:   log,
		Ready: func(ctx context.Context) error {
			if err := a.Store.Ping(ctx); err != nil {
				return err
			}
			return a.Vault.Check(ctx, "")
		},
	})
	return &Serving{Server: srv, Gateway: gw, audit: aw}, nil
}
