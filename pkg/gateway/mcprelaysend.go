package gateway

import (
	"context"
	"errors"
	"slices"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mcpgate/mcpgate/pkg/secret"
)

// The relay's side facing the client: what the server sends, scrubbed,
// sent to the client's session on the stream of its request in progress.

func (r *relay) redactor() *secret.Redactor {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.red
}

// Capabilities are the client's sampling, elicitation and roots; nothing
// else of what it declared is passed on.
func (r *relay) Capabilities() *mcp.ClientCapabilities {
	out := &mcp.ClientCapabilities{}
	ip := r.ss.InitializeParams()
	if ip == nil || ip.Capabilities == nil {
		return out
	}
	c := ip.Capabilities
	if c.Sampling != nil {
		s := *c.Sampling
		out.Sampling = &s
	}
	if c.Elicitation != nil {
		e := *c.Elicitation
		out.Elicitation = &e
	}
	out.RootsV2 = clientRoots(c)
	return out
}

// ProtocolVersion is the client's own version: the server sees the
// client it would see without mcpgate.
func (r *relay) ProtocolVersion() string {
	if ip := r.ss.InitializeParams(); ip != nil && ip.ProtocolVersion != "" && ip.ProtocolVersion < statelessProtocol {
		return ip.ProtocolVersion
	}
	return relayedProtocol
}

func (r *relay) LogLevel() mcp.LoggingLevel {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.level
}

func (r *relay) Subscriptions() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.subs)
}

func (r *relay) Log(ctx context.Context, p *mcp.LoggingMessageParams) {
	var clean mcp.LoggingMessageParams
	if _, err := scrubJSON(r.redactor(), p, &clean); err != nil {
		return
	}
	ctx, done := r.onCall(ctx)
	defer done()
	_ = r.ss.Log(ctx, &clean)
}

func (r *relay) CreateMessage(ctx context.Context, p *mcp.CreateMessageWithToolsParams) (*mcp.CreateMessageWithToolsResult, error) {
	var clean mcp.CreateMessageWithToolsParams
	if _, err := scrubJSON(r.redactor(), p, &clean); err != nil {
		return nil, unreadable()
	}
	ctx, done := r.onCall(ctx)
	defer done()
	res, err := r.ss.CreateMessageWithTools(ctx, &clean)
	return res, clientError(err)
}

func (r *relay) Elicit(ctx context.Context, p *mcp.ElicitParams) (*mcp.ElicitResult, error) {
	var clean mcp.ElicitParams
	if _, err := scrubJSON(r.redactor(), p, &clean); err != nil {
		return nil, unreadable()
	}
	ctx, done := r.onCall(ctx)
	defer done()
	res, err := r.ss.Elicit(ctx, &clean)
	return res, clientError(err)
}

func (r *relay) ListRoots(ctx context.Context, p *mcp.ListRootsParams) (*mcp.ListRootsResult, error) {
	ctx, done := r.onCall(ctx)
	defer done()
	res, err := r.ss.ListRoots(ctx, p)
	return res, clientError(err)
}

func (r *relay) ResourceUpdated(ctx context.Context, p *mcp.ResourceUpdatedNotificationParams) {
	var clean mcp.ResourceUpdatedNotificationParams
	if _, err := scrubJSON(r.redactor(), p, &clean); err != nil {
		return
	}
	_ = r.server.ResourceUpdated(ctx, &clean)
}

func (r *relay) ElicitationComplete(ctx context.Context, p *mcp.ElicitationCompleteParams) {
	var clean mcp.ElicitationCompleteParams
	if _, err := scrubJSON(r.redactor(), p, &clean); err != nil {
		return
	}
	ctx, done := r.onCall(ctx)
	defer done()
	_ = r.ss.NotifyElicitationComplete(ctx, &clean)
}

func unreadable() error {
	return &jsonrpc.Error{Code: jsonrpc.CodeInternalError, Message: "mcpgate could not read the request"}
}

// clientError passes the client's JSON-RPC error to the server as the
// client gave it; any other failure (the client went away) is an
// internal error that says no more.
func clientError(err error) error {
	if err == nil {
		return nil
	}
	var je *jsonrpc.Error
	if errors.As(err, &je) {
		return je
	}
	return &jsonrpc.Error{Code: jsonrpc.CodeInternalError, Message: "the client did not answer"}
}
