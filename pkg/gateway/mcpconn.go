package gateway

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/modelcontextprotocol/go-sdk/auth"
	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mcpgate/mcpgate/pkg/mcpup"
	"github.com/mcpgate/mcpgate/pkg/store"
	"github.com/mcpgate/mcpgate/pkg/tracing"
)

// connectionServerFor returns the server of /mcp/<name>: the one MCP
// connection under its tools' original names, with its prompts,
// resources, resource templates and completions passed through. ok is
// false when the key may not see such a connection (its scope leaves it
// out, or the user has no MCP connection of that name): the caller
// answers 404 either way, so a key learns nothing of connections outside
// its scope.
func (g *Gateway) connectionServerFor(ctx context.Context, id Identity, name string) (*mcp.Server, []store.Connection, bool, error) {
	all, err := g.userConnections(ctx, id.UserID)
	if err != nil {
		return nil, nil, false, err
	}
	if len(id.Scope) > 0 && !slices.Contains(id.Scope, name) {
		return nil, all, false, nil
	}
	i := slices.IndexFunc(all, func(c store.Connection) bool { return c.Name == name && c.Provider == mcpup.Provider })
	if i < 0 {
		return nil, all, false, nil
	}
	c := all[i]
	fp := fmt.Sprintf("%s|/mcp/%s:%s:%s:%d", id.KeyID, c.Name, c.ID, c.Status, c.UpdatedAt.UnixMicro())
	return g.servers.get(fp, func() *mcp.Server { return g.buildConnectionServer(id, c, all) }), all, true, nil
}

func (g *Gateway) buildConnectionServer(id Identity, c store.Connection, all []store.Connection) *mcp.Server {
	s := mcp.NewServer(&mcp.Implementation{Name: "mcpgate/" + c.Name, Version: g.version}, &mcp.ServerOptions{
		Instructions: fmt.Sprintf("The MCP server %q, reached through mcpgate, which keeps its credentials and checks every call.", c.Name),
		SetCacheable: privateUncached,
		Capabilities: &mcp.ServerCapabilities{
			Tools:       &mcp.ToolCapabilities{},
			Prompts:     &mcp.PromptCapabilities{},
			Resources:   &mcp.ResourceCapabilities{Subscribe: true},
			Completions: &mcp.CompletionCapabilities{},
			Logging:     &mcp.LoggingCapabilities{},
		},
		// Subscriptions are passed to the server on the client's own
		// session with it (relaying), whose update notifications reach
		// the client.
		SubscribeHandler: func(ctx context.Context, r *mcp.SubscribeRequest) error {
			return g.onUpstream(ctx, id, c.Name, func(ctx context.Context, cs *mcp.ClientSession) error {
				return cs.Subscribe(ctx, upstreamParams(ctx, r.Params))
			})
		},
		UnsubscribeHandler: func(ctx context.Context, r *mcp.UnsubscribeRequest) error {
			return g.onUpstream(ctx, id, c.Name, func(ctx context.Context, cs *mcp.ClientSession) error {
				return cs.Unsubscribe(ctx, upstreamParams(ctx, r.Params))
			})
		},
	})
	red := g.userSecrets(context.Background(), id.UserID, all)
	known := map[string]bool{}
	for _, t := range g.mcpTools(c) {
		known[t.pin.Name] = true
		g.addMCPTool(s, id, t.pin.Name, t, red)
	}
	s.AddReceivingMiddleware(g.relaying(s, id, c.Name), g.auditUnknownTools(id, known), g.passThrough(id, c.Name))
	if g.traced {
		s.AddReceivingMiddleware(g.traceMCP)
	}
	return s
}

// passThrough answers the connection's prompts, resources, resource
// templates and completions from the upstream, scrubbed of every
// credential of the user.
func (g *Gateway) passThrough(id Identity, name string) mcp.Middleware {
	return func(next mcp.MethodHandler) mcp.MethodHandler {
		return func(ctx context.Context, method string, req mcp.Request) (mcp.Result, error) {
			var call func(context.Context, *mcp.ClientSession) (any, error)
			var out mcp.Result
			switch r := req.(type) {
			case *mcp.ListPromptsRequest:
				out = new(mcp.ListPromptsResult)
				call = func(ctx context.Context, cs *mcp.ClientSession) (any, error) {
					return cs.ListPrompts(ctx, upstreamParams(ctx, r.Params))
				}
			case *mcp.GetPromptRequest:
				out = new(mcp.GetPromptResult)
				call = func(ctx context.Context, cs *mcp.ClientSession) (any, error) {
					return cs.GetPrompt(ctx, upstreamParams(ctx, r.Params))
				}
			case *mcp.ListResourcesRequest:
				out = new(mcp.ListResourcesResult)
				call = func(ctx context.Context, cs *mcp.ClientSession) (any, error) {
					return cs.ListResources(ctx, upstreamParams(ctx, r.Params))
				}
			case *mcp.ListResourceTemplatesRequest:
				out = new(mcp.ListResourceTemplatesResult)
				call = func(ctx context.Context, cs *mcp.ClientSession) (any, error) {
					return cs.ListResourceTemplates(ctx, upstreamParams(ctx, r.Params))
				}
			case *mcp.ReadResourceRequest:
				out = new(mcp.ReadResourceResult)
				call = func(ctx context.Context, cs *mcp.ClientSession) (any, error) {
					return cs.ReadResource(ctx, upstreamParams(ctx, r.Params))
				}
			case *mcp.CompleteRequest:
				out = new(mcp.CompleteResult)
				call = func(ctx context.Context, cs *mcp.ClientSession) (any, error) {
					return cs.Complete(ctx, upstreamParams(ctx, r.Params))
				}
			default:
				return next(ctx, method, req)
			}
			var res any
			err := g.onUpstream(ctx, id, name, func(ctx context.Context, cs *mcp.ClientSession) error {
				var err error
				res, err = call(ctx, cs)
				return err
			})
			if err != nil {
				return nil, err
			}
			if _, err := scrubJSON(g.userSecrets(ctx, id.UserID, g.requestConns(ctx, id)), res, out); err != nil {
				return nil, &jsonrpc.Error{Code: jsonrpc.CodeInternalError, Message: "the MCP server's answer could not be read"}
			}
			return out, nil
		}
	}
}

// upstreamParams is a copy of a passed-through request's params for the
// upstream: its _meta without what belongs to the client's own session
// with mcpgate (the io.modelcontextprotocol/ keys, which the upstream
// session fills in with its own, and the client's trace context), with
// the trace context of ctx's span. nil stays nil.
func upstreamParams[T any, P interface {
	*T
	mcp.Params
}](ctx context.Context, p P) P {
	if p == nil {
		return nil
	}
	c := P(new(T))
	*c = *p
	var meta map[string]any
	for k, v := range p.GetMeta() {
		if strings.HasPrefix(k, "io.modelcontextprotocol/") || k == "traceparent" || k == "tracestate" {
			continue
		}
		if meta == nil {
			meta = map[string]any{}
		}
		meta[k] = v
	}
	c.SetMeta(tracing.InjectMeta(ctx, meta))
	return c
}

// onUpstream runs fn on the connection's running session, in an upstream
// span; its error is scrubbed of every credential of the user.
func (g *Gateway) onUpstream(ctx context.Context, id Identity, name string, fn func(context.Context, *mcp.ClientSession) error) error {
	sess, release, err := g.mcpSession(ctx, id, name)
	if err != nil {
		return &jsonrpc.Error{Code: jsonrpc.CodeInternalError, Message: g.scrubErr(ctx, id, err).Error()}
	}
	defer release()
	uctx, sp := g.span(ctx, spanUpstream)
	traceMCPConn(sp, name, sess.URL())
	err = sess.Client(uctx, fn)
	endStep(sp, err != nil)
	if err != nil {
		return upstreamError(g.scrubErr(ctx, id, err))
	}
	return nil
}

// upstreamError keeps the upstream's JSON-RPC error code where the SDK
// reports one, so a client sees "invalid params" or "not found" as the
// server said it.
func upstreamError(err error) error {
	msg := err.Error()
	code := int64(jsonrpc.CodeInternalError)
	if strings.Contains(msg, "Invalid params") || strings.Contains(msg, "invalid params") {
		code = jsonrpc.CodeInvalidParams
	}
	return &jsonrpc.Error{Code: code, Message: msg}
}

// sessionIdle ends a /mcp/<connection> session unused for this long.
const sessionIdle = 30 * time.Minute

// connectionHandler serves /mcp/<connection> with sessions where the
// client keeps one (and statelessly where it does not), so that what the
// server sends during a call (progress notifications) reaches the
// calling client over SSE. A session belongs to the key that opened it:
// the SDK refuses it to any other key (403).
//
// A request of the 2026-07-28 revision or later (server/discover,
// SEP-2575), which has no sessions, is served statelessly: the SDK
// serves that revision only so. What the server sends during such a call
// still reaches the client, on the call's own SSE response.
func (g *Gateway) connectionHandler() http.Handler {
	server := func(r *http.Request) *mcp.Server {
		if req := requestFrom(r.Context()); req != nil {
			return req.server
		}
		return nil
	}
	h := mcp.NewStreamableHTTPHandler(server, &mcp.StreamableHTTPOptions{
		SessionTimeout:             sessionIdle,
		MaxRequestBodyBytes:        g.cfg.Limits.MaxBodyBytes,
		DisableLocalhostProtection: true,
	})
	stateless := mcp.NewStreamableHTTPHandler(server, &mcp.StreamableHTTPOptions{
		Stateless:                  true,
		MaxRequestBodyBytes:        g.cfg.Limits.MaxBodyBytes,
		DisableLocalhostProtection: true,
	})
	// The key is verified already (authenticate); this only names the
	// session's owner for the SDK's check.
	owner := func(ctx context.Context, _ string, r *http.Request) (*auth.TokenInfo, error) {
		id, ok := IdentityFrom(r.Context())
		if !ok {
			return nil, auth.ErrInvalidToken
		}
		return &auth.TokenInfo{UserID: id.KeyID, Expiration: time.Now().Add(sessionIdle), Extra: traceInfo(r)}, nil
	}
	sessions := auth.RequireBearerToken(owner, nil)(h)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Mcp-Protocol-Version") >= statelessRevision && r.Header.Get("Mcp-Session-Id") == "" {
			stateless.ServeHTTP(w, r)
			return
		}
		sessions.ServeHTTP(w, r)
	})
}

// statelessRevision is the first MCP revision without sessions; revisions
// are dates, so they compare as strings.
const statelessRevision = "2026-07-28"

// connectionNotFound answers a /mcp/<name> the key may not see.
func connectionNotFound(w http.ResponseWriter, name string) {
	http.Error(w, fmt.Sprintf("no MCP connection %q is available to this key", name), http.StatusNotFound)
}
