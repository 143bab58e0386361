package gateway

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mcpgate/mcpgate/pkg/audit"
	"github.com/mcpgate/mcpgate/pkg/connector"
	"github.com/mcpgate/mcpgate/pkg/connector/mcpproxy"
	"github.com/mcpgate/mcpgate/pkg/guard"
	"github.com/mcpgate/mcpgate/pkg/mcpup"
	"github.com/mcpgate/mcpgate/pkg/secret"
	"github.com/mcpgate/mcpgate/pkg/store"
	"github.com/mcpgate/mcpgate/pkg/vault"
)

// mcpTool is one approved tool of an MCP connection as a server offers it.
type mcpTool struct {
	conn    string // connection name
	pin     mcpup.Pin
	exposed string // <connection>_<tool>: the name the guard and audit see
	tool    connector.Tool
}

// mcpTools lists an MCP connection's approved tools; a connection whose
// settings do not decode offers none (and says so in the log).
func (g *Gateway) mcpTools(c store.Connection) []mcpTool {
	cfg, err := mcpup.ParseConfig(c.MCP)
	if err != nil {
		g.log.Warn("MCP connection skipped", "connection", c.Name, "err", err.Error())
		return nil
	}
	out := make([]mcpTool, 0, len(cfg.Tools))
	for _, p := range cfg.Tools {
		out = append(out, mcpTool{conn: c.Name, pin: p, exposed: mcpup.ExposedName(c.Name, p.Name), tool: mcpproxy.Tool(p)})
	}
	return out
}

// addMCPTool adds t to s under name, with the handler every proxied call
// goes through.
func (g *Gateway) addMCPTool(s *mcp.Server, id Identity, name string, t mcpTool, red *secret.Redactor) {
	def, err := t.pin.Tool()
	if err != nil {
		g.log.Warn("pinned MCP tool skipped", "connection", t.conn, "tool", t.pin.Name, "err", err.Error())
		return
	}
	var shown mcp.Tool
	if _, err := scrubJSON(red, def, &shown); err != nil {
		return
	}
	shown.Name = name
	shown.InputSchema = t.tool.InputSchema
	s.AddTool(&shown, g.mcpToolHandler(id, t))
}

// mcpToolHandler serves one proxied tool on the same path as a built-in
// one: strict parse and validation against the upstream's schema, guard,
// the call, the audit record before the result, a result scrubbed of
// every credential of the user and bounded in size.
func (g *Gateway) mcpToolHandler(id Identity, t mcpTool) mcp.ToolHandler {
	metricName := "mcp." + t.conn
	return func(ctx context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		start := time.Now()
		var (
			res           *mcp.CallToolResult
			outcome, args string
			dec           guard.Decision
			callErr       error
		)
		_, sp := g.span(ctx, spanValidate)
		prep, err := connector.Prepare(t.tool, req.Params.Arguments)
		endStep(sp, err != nil)
		if err != nil {
			args = audit.UnparsedArgs(req.Params.Arguments)
			outcome, dec = OutcomeDenied, guard.Decision{Rule: RuleInvalidArguments}
			callErr = fmt.Errorf("invalid arguments for %s: %s", t.exposed, err.Error())
		} else {
			args = audit.RedactArgs(prep.Args, nil, g.cfg.Audit.RedactFields)
			res, outcome, dec, callErr = g.callMCP(ctx, id, t, prep.Args, args, req)
		}
		rec := store.AuditRecord{
			UserID: id.UserID, Time: start.UTC(), KeyID: id.KeyID, Tool: t.exposed,
			Arguments: args, Decision: dec.Name(), Rule: auditRule(dec), Outcome: outcome,
			LatencyUS: time.Since(start).Microseconds(),
		}
		if callErr != nil {
			rec.Error = truncateRunes(callErr.Error(), 512)
		}
		actx, sp := g.span(ctx, spanAudit)
		_, err = g.audit.Write(actx, rec)
		endStep(sp, err != nil)
		if err != nil {
			traceCall(ctx, t.exposed, dec, "audit_failed", start)
			g.log.Error("audit write failed; result withheld", "tool", t.exposed, "err", err.Error())
			g.metrics.ToolCalls.WithLabelValues(metricName, "audit_failed").Inc()
			return errorResult("The call could not be recorded in the audit log, so its result is withheld. The gateway operator must check the database."), nil
		}
		traceCall(ctx, t.exposed, dec, outcome, start)
		g.metrics.ToolCalls.WithLabelValues(metricName, outcome).Inc()
		g.metrics.ToolLatency.WithLabelValues(metricName).Observe(time.Since(start).Seconds())
		if callErr != nil {
			return errorResult(callErr.Error()), nil
		}
		return res, nil
	}
}

func (g *Gateway) callMCP(ctx context.Context, id Identity, t mcpTool, args map[string]any, shown string, req *mcp.CallToolRequest) (*mcp.CallToolResult, string, guard.Decision, error) {
	// Read-only mode allows the tool only if its approved definition says
	// readOnlyHint; the session refuses a tool whose live definition is
	// not the approved one.
	gctx, sp := g.span(ctx, spanGuard)
	dec, err := g.guard.Decide(gctx, guard.Call{UserID: id.UserID, KeyID: id.KeyID, Tool: t.exposed, ReadOnly: t.tool.ReadOnly, Args: args})
	traceDecision(sp, dec)
	endStep(sp, err != nil)
	if err != nil {
		return nil, OutcomeError, guard.Decision{Rule: "guard-error"}, errors.New("the gateway could not check this call against its guardrails; it was not run")
	}
	if !dec.Allow {
		return nil, OutcomeDenied, dec, fmt.Errorf("denied by guardrail %s: %s", dec.Rule, dec.Reason)
	}
	if dec.Approve {
		if err := g.approve(ctx, id, t.exposed, &dec, args, shown); err != nil {
			return nil, OutcomeDenied, dec, err
		}
	}
	sess, release, err := g.mcpSession(ctx, id, t.conn)
	if err != nil {
		return nil, OutcomeError, dec, g.scrubErr(ctx, id, err)
	}
	defer release()
	var progress func(*mcp.ProgressNotificationParams)
	if tok := req.Params.GetProgressToken(); tok != nil && req.Session != nil {
		progress = func(p *mcp.ProgressNotificationParams) {
			_ = req.Session.NotifyProgress(ctx, &mcp.ProgressNotificationParams{
				ProgressToken: tok, Progress: p.Progress, Total: p.Total, Message: p.Message,
			})
		}
	}
	uctx, sp := g.span(ctx, spanUpstream)
	traceMCPConn(sp, t.conn, sess.URL())
	res, err := sess.CallTool(uctx, t.pin.Name, t.pin.Hash, args, progress)
	endStep(sp, err != nil || (res != nil && res.IsError))
	if err != nil {
		return nil, OutcomeError, dec, g.scrubErr(ctx, id, err)
	}
	red := g.userSecrets(ctx, id.UserID, g.requestConns(ctx, id))
	clean, size, redacted, err := scrubResult(red, res)
	if err != nil {
		return nil, OutcomeError, dec, errors.New("the MCP server's result could not be read")
	}
	dec.Redacted = redacted
	out := limitResult(clean, size, g.resultLimit(dec))
	if out.IsError {
		return out, OutcomeError, dec, nil
	}
	return out, OutcomeOK, dec, nil
}

// scrubErr is err's text with every credential of the user redacted.
func (g *Gateway) scrubErr(ctx context.Context, id Identity, err error) error {
	msg, _ := g.userSecrets(ctx, id.UserID, g.requestConns(ctx, id)).Redact(err.Error())
	return errors.New(msg)
}

// mcpSession returns the running session of the user's MCP connection.
func (g *Gateway) mcpSession(ctx context.Context, id Identity, name string) (*mcpup.Session, func(), error) {
	if g.mcp == nil {
		return nil, nil, errors.New("this gateway runs no MCP servers")
	}
	conn, err := g.connection(ctx, id.UserID, name)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, fmt.Errorf("connection %q no longer exists", name)
	}
	if err != nil {
		g.log.Error("load connection", "connection", name, "err", err.Error())
		return nil, nil, errors.New("the gateway could not load this connection; try again")
	}
	version := strconv.FormatInt(conn.UpdatedAt.UnixMicro(), 10)
	rel := relayFrom(ctx)
	if rel == nil {
		if s, release, ok := g.mcp.Running(conn.ID, version); ok {
			return s, release, nil
		}
	}
	cfg, err := mcpup.ParseConfig(conn.MCP)
	if err != nil {
		return nil, nil, err
	}
	vctx, sp := g.span(ctx, spanVault)
	cred, err := g.vault.Open(vctx, id.UserID, vault.PurposeCredential, conn.ID, conn.Credential)
	endStep(sp, err != nil)
	if err != nil {
		g.log.Error("open credential", "connection", name, "err", err.Error())
		return nil, nil, errors.New("the gateway could not open this connection's credential; the operator must check the vault")
	}
	var sec mcpup.Secrets
	var auth func(http.RoundTripper) http.RoundTripper
	if conn.AuthKind == mcpup.AuthOAuth {
		if _, err := g.tokens.ForCall(ctx, conn, cred, false); err != nil {
			return nil, nil, fmt.Errorf("connection %q needs re-authorisation: run `mcpgate connect add mcp --name %s --url %s` again", name, name, cfg.URL)
		}
		// The token goes on each request, refreshed after a 401; a 403
		// insufficient_scope says how to authorise again.
		auth = func(base http.RoundTripper) http.RoundTripper { return g.tokens.Transport(conn, cred, base) }
		cfg.Header = ""
	} else if sec, err = mcpup.ParseSecrets(cred.Bytes()); err != nil {
		return nil, nil, err
	}
	spec := mcpup.Spec{
		UserID: id.UserID, ConnID: conn.ID, Name: conn.Name, Version: version,
		Config: cfg, Secrets: sec, Auth: auth,
	}
	if rel != nil {
		s, release, err := rel.acquire(ctx, spec)
		if !errors.Is(err, mcpup.ErrTooManyRelayed) {
			return s, release, err
		}
		// The call still runs, on the shared session: what the server
		// sends back during it is not relayed.
		g.log.Warn("too many client sessions with the MCP server; this call's server requests are not relayed", "connection", name)
	}
	return g.mcp.Acquire(ctx, spec)
}
