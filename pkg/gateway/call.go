package gateway

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mcpgate/mcpgate/pkg/audit"
	"github.com/mcpgate/mcpgate/pkg/connector"
	"github.com/mcpgate/mcpgate/pkg/guard"
	"github.com/mcpgate/mcpgate/pkg/oauth"
	"github.com/mcpgate/mcpgate/pkg/secret"
	"github.com/mcpgate/mcpgate/pkg/store"
	"github.com/mcpgate/mcpgate/pkg/vault"
)

// Outcomes recorded in the audit log and metrics.
const (
	OutcomeOK     = "ok"
	OutcomeError  = "error"
	OutcomeDenied = "denied"
)

// RuleInvalidArguments is the rule recorded for a call refused for its
// arguments (see connector.Prepare): it never reached the guard or the
// upstream.
const RuleInvalidArguments = "invalid-arguments"

// toolHandler serves one tool. The call's arguments take one path: the
// raw JSON is parsed strictly, validated against the tool's schema and
// normalised by connector.Prepare, once; the guard, the audit record and
// the upstream request all see that canonical value and nothing else.
func (g *Gateway) toolHandler(id Identity, connName string, p connector.Provider, t connector.Tool) mcp.ToolHandler {
	exposed := connName + "_" + t.Name
	metricName := p.Name() + "." + t.Name
	return func(ctx context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		start := time.Now()
		var (
			text, outcome, args string
			dec                 guard.Decision
			callErr             error
		)
		_, sp := g.span(ctx, spanValidate)
		prep, err := connector.Prepare(t, req.Params.Arguments)
		endStep(sp, err != nil)
		if err != nil {
			args = audit.UnparsedArgs(req.Params.Arguments)
			outcome, dec = OutcomeDenied, guard.Decision{Rule: RuleInvalidArguments}
			callErr = fmt.Errorf("invalid arguments for %s: %s", exposed, err.Error())
		} else {
			args = audit.RedactArgs(prep.Args, t.Content, g.cfg.Audit.RedactFields)
			text, outcome, dec, callErr = g.call(ctx, id, connName, p, t, exposed, prep, args)
		}
		rec := store.AuditRecord{
			UserID: id.UserID, Time: start.UTC(), KeyID: id.KeyID, Tool: exposed,
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
			traceCall(ctx, exposed, dec, "audit_failed", start)
			g.log.Error("audit write failed; result withheld", "tool", exposed, "err", err.Error())
			g.metrics.ToolCalls.WithLabelValues(metricName, "audit_failed").Inc()
			return errorResult("The call could not be recorded in the audit log, so its result is withheld. The gateway operator must check the database."), nil
		}
		traceCall(ctx, exposed, dec, outcome, start)
		g.metrics.ToolCalls.WithLabelValues(metricName, outcome).Inc()
		g.metrics.ToolLatency.WithLabelValues(metricName).Observe(time.Since(start).Seconds())
		if callErr != nil {
			return errorResult(callErr.Error()), nil
		}
		return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: text}}}, nil
	}
}

// call runs one prepared call: guard, approval, credential, upstream.
// shown is its arguments as the audit log keeps them. The error it
// returns is shown to the model; it carries no credential.
func (g *Gateway) call(ctx context.Context, id Identity, connName string, p connector.Provider, t connector.Tool, exposed string, prep connector.Prepared, shown string) (string, string, guard.Decision, error) {
	gctx, sp := g.span(ctx, spanGuard)
	dec, err := g.guard.Decide(gctx, guard.Call{UserID: id.UserID, KeyID: id.KeyID, Tool: exposed, ReadOnly: t.ReadOnly, Args: prep.Args})
	traceDecision(sp, dec)
	endStep(sp, err != nil)
	if err != nil {
		return "", OutcomeError, guard.Decision{Rule: "guard-error"}, errors.New("the gateway could not check this call against its guardrails; it was not run")
	}
	if !dec.Allow {
		return "", OutcomeDenied, dec, fmt.Errorf("denied by guardrail %s: %s", dec.Rule, dec.Reason)
	}
	if dec.Approve {
		if err := g.approve(ctx, id, exposed, &dec, prep.Args, shown); err != nil {
			return "", OutcomeDenied, dec, err
		}
	}
	conn, err := g.connection(ctx, id.UserID, connName)
	if errors.Is(err, store.ErrNotFound) {
		return "", OutcomeError, dec, fmt.Errorf("connection %q no longer exists", connName)
	}
	if err != nil {
		g.log.Error("load connection", "connection", connName, "err", err.Error())
		return "", OutcomeError, dec, errors.New("the gateway could not load this connection; try again")
	}
	if conn.Status != "" && conn.Status != "ok" {
		return "", OutcomeError, dec, fmt.Errorf("connection %q needs re-authorisation: run `mcpgate connect add %s --name %s` again", connName, conn.Provider, connName)
	}
	vctx, sp := g.span(ctx, spanVault)
	cred, err := g.vault.Open(vctx, id.UserID, vault.PurposeCredential, conn.ID, conn.Credential)
	endStep(sp, err != nil)
	if err != nil {
		g.log.Error("open credential", "connection", connName, "err", err.Error())
		return "", OutcomeError, dec, errors.New("the gateway could not open this connection's credential; the operator must check the vault")
	}
	limit := g.resultLimit(dec)
	uctx, sp := g.span(ctx, spanUpstream)
	if sp.IsRecording() {
		traceHost(sp, g.baseURL(conn, p))
	}
	out, err := g.callUpstream(uctx, conn, cred, p, prep, limit, false)
	if errors.Is(err, connector.ErrUnauthorized) && conn.AuthKind == connector.AuthOAuth2 {
		// The token may have been revoked or expired early: refresh once.
		out, err = g.callUpstream(uctx, conn, cred, p, prep, limit, true)
	}
	endStep(sp, err != nil)
	if err != nil {
		// An upstream's error text may quote any of the user's secrets.
		msg, _ := g.userSecrets(ctx, id.UserID, g.requestConns(ctx, id)).Redact(err.Error())
		return "", OutcomeError, dec, errors.New(msg)
	}
	return g.finish(ctx, id, &dec, out), OutcomeOK, dec, nil
}

// callUpstream calls the tool with the connection's token (refreshed
// first for OAuth connections when due, or when force is set). Its
// errors are for the model: the connector scrubs its token from them.
func (g *Gateway) callUpstream(ctx context.Context, conn store.Connection, cred secret.Value, p connector.Provider, prep connector.Prepared, limit int, force bool) (string, error) {
	token, err := g.tokens.ForCall(ctx, conn, cred, force)
	if errors.Is(err, oauth.ErrNeedsReauth) {
		return "", fmt.Errorf("connection %q needs re-authorisation: run `mcpgate connect add %s --name %s` again", conn.Name, conn.Provider, conn.Name)
	}
	if err != nil {
		g.log.Warn("token refresh failed", "connection", conn.Name, "err", secret.NewRedactor(cred).Scrub(err).Error())
		return "", fmt.Errorf("the %s token could not be refreshed; try again later", conn.Provider)
	}
	up := connector.Upstream{
		BaseURL:        g.baseURL(conn, p),
		Credential:     token,
		HTTP:           g.http,
		MaxResultBytes: limit, // what a tool downloads; finish cuts the result to it
	}
	// The connector scrubs its token (this one, refreshed or not) from
	// the result and the error; finish and call scrub every other
	// credential of the user.
	return prep.Run(ctx, up)
}

func (g *Gateway) connection(ctx context.Context, userID, name string) (store.Connection, error) {
	if c, ok := requestConnection(ctx, name); ok {
		return c, nil
	}
	g.metrics.ConnectionReads.Inc()
	return g.st.User(userID).Connection(ctx, name)
}

func (g *Gateway) baseURL(c store.Connection, p connector.Provider) string {
	return connector.BaseURL(c.APIURL, g.cfg.Connectors[p.Name()].APIURL, p)
}

func errorResult(msg string) *mcp.CallToolResult {
	return &mcp.CallToolResult{IsError: true, Content: []mcp.Content{&mcp.TextContent{Text: msg}}}
}

func truncateRunes(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}
