package mcpup

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mcpgate/mcpgate/pkg/secret"
)

// Relay receives what a server sends back to one client of mcpgate: its
// log messages, its requests to the client (sampling, elicitation,
// roots) and its resource update notifications. A session opened for a
// Relay (Pool.AcquireRelayed) is that client's alone, so everything the
// server sends on it belongs to that client and to no other.
//
// Methods are called concurrently from the session's reading goroutine;
// a request's error is the client's answer to the server.
type Relay interface {
	// Capabilities are the client's own, declared to the server as
	// mcpgate's: the server asks only for what the client can answer.
	Capabilities() *mcp.ClientCapabilities
	// ProtocolVersion is the version to speak with the server: one where
	// the server may send requests to the client on the session.
	ProtocolVersion() string
	// LogLevel is the level the client asked for ("" for none), set again
	// on a session that was started again.
	LogLevel() mcp.LoggingLevel
	// Subscriptions are the resources the client subscribed to,
	// subscribed again on a session that was started again.
	Subscriptions() []string
	Log(context.Context, *mcp.LoggingMessageParams)
	CreateMessage(context.Context, *mcp.CreateMessageWithToolsParams) (*mcp.CreateMessageWithToolsResult, error)
	Elicit(context.Context, *mcp.ElicitParams) (*mcp.ElicitResult, error)
	ListRoots(context.Context, *mcp.ListRootsParams) (*mcp.ListRootsResult, error)
	ResourceUpdated(context.Context, *mcp.ResourceUpdatedNotificationParams)
	ElicitationComplete(context.Context, *mcp.ElicitationCompleteParams)
}

// maxRelayed bounds the relayed sessions one connection keeps (over
// stdio, the server processes); past it, the one unused for longest is
// stopped if it has been unused for relayedIdle (its client's next
// request starts it again), and otherwise none is started.
const (
	maxRelayed  = 32
	relayedIdle = 10 * time.Second
)

// ErrTooManyRelayed means a connection has maxRelayed relayed sessions,
// all in use lately.
var ErrTooManyRelayed = errors.New("the connection has as many client sessions with its server as mcpgate keeps")

// relayKey is the pool's key of a relayed session.
func relayKey(connID, owner string) string { return connID + "\x00" + owner }

// AcquireRelayed is Acquire for a session of one client: owner names
// the client (unique for the life of its session with mcpgate), relay
// receives what the server sends back. Forget and ForgetRelayed stop it.
func (p *Pool) AcquireRelayed(ctx context.Context, spec Spec, owner string, relay Relay) (*Session, func(), error) {
	p.once.Do(func() { go p.reap() })
	key := relayKey(spec.ConnID, owner)
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil, nil, ErrClosed
	}
	s := p.byConn[key]
	if s != nil && s.spec.Version != spec.Version {
		delete(p.byConn, key)
		go s.close()
		s = nil
	}
	var evicted *Session
	if s == nil {
		var full bool
		if evicted, full = p.oldestRelayedLocked(spec.ConnID); full {
			p.mu.Unlock()
			return nil, nil, ErrTooManyRelayed
		}
		s = &Session{pool: p, spec: spec, red: secret.NewRedactor(spec.Secrets.Values()...), relay: relay,
			home: Home(p.o.DataDir, spec.UserID, spec.ConnID)}
		p.byConn[key] = s
	}
	p.mu.Unlock()
	if evicted != nil {
		p.o.Logger.Info("mcp client session's server stopped: too many for the connection", "connection", spec.Name)
		evicted.close()
	}
	if err := s.ensure(ctx); err != nil {
		return nil, nil, err
	}
	return s, s.release, nil
}

// oldestRelayedLocked makes room for a relayed session of the
// connection: when it has maxRelayed, the one unused for longest is
// removed and returned if it has been unused for relayedIdle, and full
// is true if none has.
func (p *Pool) oldestRelayedLocked(connID string) (evicted *Session, full bool) {
	n, oldest := 0, ""
	var last int64
	for k, s := range p.byConn {
		if s.relay == nil || !strings.HasPrefix(k, connID+"\x00") {
			continue
		}
		n++
		if u := s.lastUsed.Load(); s.inflight.Load() == 0 && (oldest == "" || u < last) {
			oldest, last = k, u
		}
	}
	if n < maxRelayed {
		return nil, false
	}
	if oldest == "" || time.Since(time.Unix(0, last)) < relayedIdle {
		return nil, true
	}
	s := p.byConn[oldest]
	delete(p.byConn, oldest)
	return s, false
}

// ForgetRelayed stops the client's session (its client's session with
// mcpgate ended).
func (p *Pool) ForgetRelayed(connID, owner string) {
	p.Forget(relayKey(connID, owner))
}

// forgetRelayedLocked removes every relayed session of the connection.
func (p *Pool) forgetRelayedLocked(connID string) []*Session {
	var out []*Session
	for k, s := range p.byConn {
		if strings.HasPrefix(k, connID+"\x00") {
			delete(p.byConn, k)
			out = append(out, s)
		}
	}
	return out
}

// clientOptions are the options of the session's client: a relayed
// session declares its client's capabilities and hands what the server
// sends to the relay.
func (s *Session) clientOptions() *mcp.ClientOptions {
	o := &mcp.ClientOptions{
		ToolListChangedHandler:      func(context.Context, *mcp.ToolListChangedRequest) { s.stale.Store(true) },
		ProgressNotificationHandler: s.onProgress,
	}
	r := s.relay
	if r == nil {
		return o
	}
	caps := r.Capabilities()
	o.Capabilities = caps
	o.LoggingMessageHandler = func(ctx context.Context, req *mcp.LoggingMessageRequest) { r.Log(ctx, req.Params) }
	o.ResourceUpdatedHandler = func(ctx context.Context, req *mcp.ResourceUpdatedNotificationRequest) {
		r.ResourceUpdated(ctx, req.Params)
	}
	o.ElicitationCompleteHandler = func(ctx context.Context, req *mcp.ElicitationCompleteNotificationRequest) {
		r.ElicitationComplete(ctx, req.Params)
	}
	return o
}

// relayRequests hands the server's requests to the client (sampling,
// elicitation, roots) to the relay as the server sent them: the client
// of mcpgate, not mcpgate, judges them (its SDK may know schema forms
// mcpgate's does not). A request for a capability the client did not
// declare is answered "method not found", as the specification asks of a
// client without roots.
func (s *Session) relayRequests(client *mcp.Client) {
	r := s.relay
	if r == nil {
		return
	}
	client.AddReceivingMiddleware(func(next mcp.MethodHandler) mcp.MethodHandler {
		return func(ctx context.Context, method string, req mcp.Request) (mcp.Result, error) {
			caps := r.Capabilities()
			var declared bool
			switch method {
			case "roots/list":
				declared = caps.RootsV2 != nil
			case "sampling/createMessage":
				declared = caps.Sampling != nil
			case "elicitation/create":
				declared = caps.Elicitation != nil
			default:
				return next(ctx, method, req)
			}
			if !declared {
				return nil, &jsonrpc.Error{Code: jsonrpc.CodeMethodNotFound, Message: "the client does not support " + method}
			}
			switch p := req.GetParams().(type) {
			case *mcp.ListRootsParams:
				return r.ListRoots(ctx, p)
			case *mcp.CreateMessageWithToolsParams:
				return r.CreateMessage(ctx, p)
			case *mcp.ElicitParams:
				return r.Elicit(ctx, p)
			}
			return nil, &jsonrpc.Error{Code: jsonrpc.CodeInvalidParams, Message: "unexpected parameters for " + method}
		}
	})
}

// sessionOptions are the options of the session's Connect.
func (s *Session) sessionOptions() *mcp.ClientSessionOptions {
	if s.relay == nil {
		return nil
	}
	return &mcp.ClientSessionOptions{ProtocolVersion: s.relay.ProtocolVersion()}
}

// resumeRelay sets again, on a session just started, the log level and
// the subscriptions its client asked for.
func (s *Session) resumeRelay(ctx context.Context, cs *mcp.ClientSession) {
	if s.relay == nil {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if l := s.relay.LogLevel(); l != "" {
		if err := cs.SetLoggingLevel(ctx, &mcp.SetLoggingLevelParams{Level: l}); err != nil {
			s.pool.o.Logger.Warn("mcp server refused the client's log level", "connection", s.spec.Name, "err", s.red.Scrub(err).Error())
		}
	}
	for _, uri := range s.relay.Subscriptions() {
		if err := cs.Subscribe(ctx, &mcp.SubscribeParams{URI: uri}); err != nil {
			s.pool.o.Logger.Warn("mcp server refused a subscription", "connection", s.spec.Name, "err", s.red.Scrub(err).Error())
		}
	}
}
