package gateway

import (
	"context"
	"slices"
	"sync"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mcpgate/mcpgate/pkg/mcpup"
	"github.com/mcpgate/mcpgate/pkg/secret"
)

// statelessProtocol is the first protocol version without sessions: a
// server speaking it sends the client no requests on a session, so a
// client speaking it has none to relay.
const statelessProtocol = "2026-07-28"

// relayedProtocol is the version a relayed session speaks with the server
// when the client's own cannot be used.
const relayedProtocol = "2025-11-25"

// relay carries what a server sends back during a client's requests on
// /mcp/<connection> to that client's session alone: the calls of a client
// that can receive something (it declared sampling or elicitation, set a
// log level or subscribed to a resource) run on a session with the
// server of their own (mcpup.Pool.AcquireRelayed), so nothing the server
// sends on it can belong to another client. Everything relayed to the
// client is scrubbed of every credential of the user first.
type relay struct {
	g      *Gateway
	ss     *mcp.ServerSession
	server *mcp.Server

	mu    sync.Mutex
	red   *secret.Redactor
	level mcp.LoggingLevel
	subs  []string
	conns []string // connection ids with a relayed session, stopped with the client's
	// calls are the contexts of the client's requests in progress: what
	// the server sends is sent on the stream of one of them, as the
	// server would itself, so a client without a standalone stream gets
	// it too.
	calls []*context.Context
}

var _ mcpup.Relay = (*relay)(nil)

// relays are the live relays by client session (*mcp.ServerSession to
// *relay): read on every request of /mcp/<connection>, written once per
// client session.
type relays struct{ by sync.Map }

type relayKey struct{}

// relayFrom returns the relay of the request's client, if it has one.
func relayFrom(ctx context.Context) *relay {
	r, _ := ctx.Value(relayKey{}).(*relay)
	return r
}

// relaying is the receiving middleware of a /mcp/<connection> server
// that binds a client's requests to its relay, passes its log level to
// the server, and records the level and the subscriptions the client asks
// for so that a session started again gets them too.
func (g *Gateway) relaying(s *mcp.Server, id Identity, name string) mcp.Middleware {
	return func(next mcp.MethodHandler) mcp.MethodHandler {
		return func(ctx context.Context, method string, req mcp.Request) (mcp.Result, error) {
			ss, _ := req.GetSession().(*mcp.ServerSession)
			create := false
			switch req.(type) {
			case *mcp.ServerRequest[*mcp.SetLoggingLevelParams], *mcp.SubscribeRequest:
				create = true
			}
			r := g.relayFor(ctx, s, id, ss, create)
			if r == nil {
				return next(ctx, method, req)
			}
			ctx = context.WithValue(ctx, relayKey{}, r)
			switch q := req.(type) {
			case *mcp.ServerRequest[*mcp.SetLoggingLevelParams]:
				r.mu.Lock()
				r.level = q.Params.Level
				r.mu.Unlock()
				err := g.onUpstream(ctx, id, name, func(ctx context.Context, cs *mcp.ClientSession) error {
					return cs.SetLoggingLevel(ctx, q.Params)
				})
				if err != nil {
					return nil, err
				}
			case *mcp.SubscribeRequest:
				r.mu.Lock()
				if !slices.Contains(r.subs, q.Params.URI) {
					r.subs = append(r.subs, q.Params.URI)
				}
				r.mu.Unlock()
			case *mcp.UnsubscribeRequest:
				r.mu.Lock()
				r.subs = slices.DeleteFunc(r.subs, func(u string) bool { return u == q.Params.URI })
				r.mu.Unlock()
			}
			switch req.(type) {
			case *mcp.CallToolRequest, *mcp.GetPromptRequest, *mcp.ReadResourceRequest, *mcp.CompleteRequest:
				defer r.enter(&ctx)()
			}
			return next(ctx, method, req)
		}
	}
}

// enter records a request of the client in progress; the func returned
// forgets it.
func (r *relay) enter(ctx *context.Context) func() {
	r.mu.Lock()
	r.calls = append(r.calls, ctx)
	r.mu.Unlock()
	return func() {
		r.mu.Lock()
		r.calls = slices.DeleteFunc(r.calls, func(c *context.Context) bool { return c == ctx })
		r.mu.Unlock()
	}
}

// onCall is the context to send to the client with: the latest of its
// requests in progress (which the SDK sends on that request's stream),
// ended also when up (the server's side) ends; up itself when the client
// has none in progress (the SDK then uses the client's standalone stream).
func (r *relay) onCall(up context.Context) (context.Context, context.CancelFunc) {
	r.mu.Lock()
	var call context.Context
	if n := len(r.calls); n > 0 {
		call = *r.calls[n-1]
	}
	r.mu.Unlock()
	if call == nil {
		return up, func() {}
	}
	ctx, cancel := context.WithCancel(call)
	stop := context.AfterFunc(up, cancel)
	return ctx, func() {
		stop()
		cancel()
	}
}

// relayFor returns the client session's relay, made when the client can
// receive something (or create says it asks to); nil for a client
// without a session or speaking a protocol without one.
func (g *Gateway) relayFor(ctx context.Context, s *mcp.Server, id Identity, ss *mcp.ServerSession, create bool) *relay {
	if ss == nil || ss.ID() == "" {
		return nil
	}
	ip := ss.InitializeParams()
	if ip == nil || ip.ProtocolVersion >= statelessProtocol {
		return nil
	}
	var r *relay
	if v, ok := g.relays.by.Load(ss); ok {
		r = v.(*relay)
	}
	// Roots alone, which most clients declare, do not make a relay: a
	// server process per client would be the price of every session.
	if c := ip.Capabilities; r == nil && !create && (c == nil || c.Sampling == nil && c.Elicitation == nil) {
		return nil
	}
	red := g.userSecrets(ctx, id.UserID, g.requestConns(ctx, id))
	if r == nil {
		v, loaded := g.relays.by.LoadOrStore(ss, &relay{g: g, ss: ss, server: s, red: red})
		if r = v.(*relay); !loaded {
			go g.endRelay(r)
			return r
		}
	}
	r.mu.Lock()
	r.red = red
	r.mu.Unlock()
	return r
}

// endRelay stops the client's sessions with servers when its session
// with mcpgate ends.
func (g *Gateway) endRelay(r *relay) {
	_ = r.ss.Wait()
	g.relays.by.Delete(r.ss)
	r.mu.Lock()
	conns := r.conns
	r.mu.Unlock()
	for _, c := range conns {
		g.mcp.ForgetRelayed(c, r.ss.ID())
	}
}

// clientRoots is the client's roots capability, if it declared one.
func clientRoots(c *mcp.ClientCapabilities) *mcp.RootCapabilities {
	if c.RootsV2 != nil {
		return c.RootsV2
	}
	if c.Roots.ListChanged {
		return &mcp.RootCapabilities{ListChanged: true}
	}
	return nil
}

// acquire returns the client's own session with the connection's server.
func (r *relay) acquire(ctx context.Context, spec mcpup.Spec) (*mcpup.Session, func(), error) {
	r.mu.Lock()
	if !slices.Contains(r.conns, spec.ConnID) {
		r.conns = append(r.conns, spec.ConnID)
	}
	r.mu.Unlock()
	return r.g.mcp.AcquireRelayed(ctx, spec, r.ss.ID(), r)
}
