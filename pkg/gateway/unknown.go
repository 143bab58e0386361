package gateway

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mcpgate/mcpgate/pkg/audit"
	"github.com/mcpgate/mcpgate/pkg/guard"
	"github.com/mcpgate/mcpgate/pkg/store"
)

// Rules recorded for a call of a tool the key's server does not have; the
// SDK answers such calls itself, before any tool handler runs.
const (
	RuleUnknownTool     = "unknown-tool"      // no connection of the user has it
	RuleOutsideKeyScope = "outside-key-scope" // a connection the key's scope leaves out has it
)

// maxToolNameRunes bounds the tool name kept for a call of an unknown tool:
// the name is the caller's, not one of ours.
const maxToolNameRunes = 200

// auditUnknownTools records every tools/call naming a tool the server does
// not offer, then lets the SDK answer it with its usual error. known is
// the set of exposed names the server was built with.
func (g *Gateway) auditUnknownTools(id Identity, known map[string]bool) mcp.Middleware {
	return func(next mcp.MethodHandler) mcp.MethodHandler {
		return func(ctx context.Context, method string, req mcp.Request) (mcp.Result, error) {
			call, ok := req.(*mcp.CallToolRequest)
			if method != "tools/call" || !ok || call.Params == nil || known[call.Params.Name] {
				return next(ctx, method, req)
			}
			name := call.Params.Name
			rec := store.AuditRecord{
				UserID: id.UserID, Time: time.Now().UTC(), KeyID: id.KeyID,
				Tool:      truncateRunes(name, maxToolNameRunes),
				Arguments: audit.UnparsedArgs(call.Params.Arguments),
				Decision:  guard.Deny, Rule: g.unknownRule(ctx, id, name), Outcome: OutcomeDenied,
				Error: "no tool of this name is available to this key",
			}
			if _, err := g.audit.Write(ctx, rec); err != nil {
				g.log.Error("audit write failed; call refused", "err", err.Error())
				g.metrics.ToolCalls.WithLabelValues("unknown", "audit_failed").Inc()
				return nil, &jsonrpc.Error{Code: jsonrpc.CodeInternalError, Message: "the call could not be recorded in the audit log; the gateway operator must check the database"}
			}
			g.metrics.ToolCalls.WithLabelValues("unknown", OutcomeDenied).Inc()
			return next(ctx, method, req)
		}
	}
}

// unknownRule says why a name is not on the key's server: one of the user's
// connections outside the key's scope offers it, or none does.
func (g *Gateway) unknownRule(ctx context.Context, id Identity, name string) string {
	for _, c := range requestFrom(ctx).connections() {
		if strings.HasPrefix(name, c.Name+"_") && len(id.Scope) > 0 && !slices.Contains(id.Scope, c.Name) {
			return RuleOutsideKeyScope
		}
	}
	return RuleUnknownTool
}
