package gateway

import (
	"context"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/mcpgate/mcpgate/pkg/authserver"
	"github.com/mcpgate/mcpgate/pkg/guard"
	"github.com/mcpgate/mcpgate/pkg/tracing"
)

// Span names: one span per MCP request, named after its method
// ("tools/call", "tools/list", ...), with children for each step.
const (
	spanRequest  = "mcp.request" // a request that never reached the MCP layer (refused key, GET, DELETE)
	spanAuth     = "mcpgate.auth"
	spanValidate = "mcpgate.validate"
	spanGuard    = "mcpgate.guard"
	spanVault    = "mcpgate.vault.open"
	spanUpstream = "mcpgate.upstream"
	spanAudit    = "mcpgate.audit"
)

// notRecording is the span of every step when tracing is off: starting it
// costs no allocation, unlike the no-op tracer's Start.
var notRecording = trace.SpanFromContext(context.Background())

// span starts a child span of ctx's span; off, it returns ctx and a span
// that records nothing.
func (g *Gateway) span(ctx context.Context, name string) (context.Context, trace.Span) {
	if !g.traced {
		return ctx, notRecording
	}
	return g.tracer.Start(ctx, name)
}

// endStep ends a step's span, marked failed when the step failed. The
// error's text is not recorded: it may quote an argument.
func endStep(sp trace.Span, failed bool) {
	if failed && sp.IsRecording() {
		sp.SetStatus(codes.Error, "failed")
	}
	sp.End()
}

// traceCall records a tool call's name, decision, outcome and latency on
// the request's span.
func traceCall(ctx context.Context, tool string, dec guard.Decision, outcome string, start time.Time) {
	sp := trace.SpanFromContext(ctx)
	if !sp.IsRecording() {
		return
	}
	sp.SetName("tools/call " + tool)
	sp.SetAttributes(
		attribute.String("gen_ai.tool.name", tool),
		attribute.String("mcpgate.decision", dec.Name()),
		attribute.String("mcpgate.rule", dec.Rule),
		attribute.String("mcpgate.outcome", outcome),
		attribute.Float64("mcpgate.latency_ms", float64(time.Since(start).Microseconds())/1000),
	)
	if outcome != OutcomeOK {
		sp.SetStatus(codes.Error, outcome)
	}
}

// traceDecision records the guard's decision on its span.
func traceDecision(sp trace.Span, dec guard.Decision) {
	if sp.IsRecording() {
		sp.SetAttributes(attribute.String("mcpgate.decision", dec.Name()), attribute.String("mcpgate.rule", dec.Rule))
	}
}

// traceHost records the host and port an upstream call goes to (the
// scheme's port when the URL names none); never the URL's path, query or
// user info.
func traceHost(sp trace.Span, baseURL string) {
	u, err := url.Parse(baseURL)
	if err != nil || !sp.IsRecording() {
		return
	}
	sp.SetAttributes(attribute.String("server.address", u.Hostname()))
	port, err := strconv.Atoi(u.Port())
	if err != nil {
		switch u.Scheme {
		case "https":
			port = 443
		case "http":
			port = 80
		default:
			return
		}
	}
	sp.SetAttributes(attribute.Int("server.port", port))
}

// traceState is one HTTP request's trace as authentication left it, for
// the span of the MCP request it carries, which the SDK's middleware
// starts (only there is params._meta.traceparent read). Whichever of the
// middleware and the end of the HTTP request claims it first makes the
// request's span.
type traceState struct {
	start, authStart, authEnd time.Time
	header                    http.Header
	authMethod, authResult    string
	claimed                   atomic.Bool
}

type traceKey struct{}

// traceRequest starts the trace of an /mcp request; off, it is next.
func (g *Gateway) traceRequest(next http.Handler) http.Handler {
	if !g.traced {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ts := &traceState{start: time.Now(), header: r.Header, authMethod: "app_key", authResult: "refused"}
		if raw, ok := bearer(r); !ok {
			ts.authMethod = "none"
		} else if authserver.IsAccessToken(raw) {
			ts.authMethod = "access_token"
		}
		sw := &statusWriter{ResponseWriter: w, code: http.StatusOK}
		ts.authStart = time.Now()
		next.ServeHTTP(sw, r.WithContext(context.WithValue(r.Context(), traceKey{}, ts)))
		if ts.authEnd.IsZero() {
			ts.authEnd = time.Now()
			switch sw.code {
			case http.StatusTooManyRequests:
				ts.authResult = "rate_limited"
			case http.StatusServiceUnavailable:
				ts.authResult = "unavailable"
			}
		}
		if !ts.claimed.CompareAndSwap(false, true) {
			return
		}
		// Nothing reached the MCP layer: the request's span is made here.
		ctx, sp := g.tracer.Start(tracing.FromHeader(r.Context(), r.Header), spanRequest,
			trace.WithTimestamp(ts.start), trace.WithSpanKind(trace.SpanKindServer),
			trace.WithAttributes(attribute.String("http.request.method", r.Method)))
		g.traceAuth(ctx, ts)
		sp.SetAttributes(attribute.Int("http.response.status_code", sw.code))
		if sw.code >= 400 {
			sp.SetStatus(codes.Error, "HTTP "+strconv.Itoa(sw.code))
		}
		sp.End()
	})
}

// authenticated marks the end of a successful authentication in the
// request's trace; off, it is next.
func (g *Gateway) authenticated(next http.Handler) http.Handler {
	if !g.traced {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ts, _ := r.Context().Value(traceKey{}).(*traceState); ts != nil {
			ts.authEnd, ts.authResult = time.Now(), "ok"
		}
		next.ServeHTTP(w, r)
	})
}

// traceAuth records the authentication that ended before the span of
// its request started, with its own times.
func (g *Gateway) traceAuth(ctx context.Context, ts *traceState) {
	_, sp := g.tracer.Start(ctx, spanAuth, trace.WithTimestamp(ts.authStart), trace.WithAttributes(
		attribute.String("mcpgate.auth.method", ts.authMethod),
		attribute.String("mcpgate.auth.result", ts.authResult),
	))
	if ts.authResult != "ok" {
		sp.SetStatus(codes.Error, ts.authResult)
	}
	sp.End(trace.WithTimestamp(ts.authEnd))
}

// traceInfo carries a request's trace state to the middleware of a
// session's server (/mcp/<connection>), whose context is the session's,
// not the request's.
func traceInfo(r *http.Request) map[string]any {
	if ts, _ := r.Context().Value(traceKey{}).(*traceState); ts != nil {
		return map[string]any{"mcpgate.trace": ts}
	}
	return nil
}

// traceMCP is the receiving middleware that makes each MCP request's
// span, the child of the client's params._meta.traceparent or, without
// one, of its HTTP traceparent header.
func (g *Gateway) traceMCP(next mcp.MethodHandler) mcp.MethodHandler {
	return func(ctx context.Context, method string, req mcp.Request) (mcp.Result, error) {
		ts := stateOf(ctx, req)
		if ts == nil || !ts.claimed.CompareAndSwap(false, true) {
			return next(ctx, method, req)
		}
		parent := tracing.FromHeader(ctx, ts.header)
		if m := metaOf(req); m != nil {
			if c := tracing.FromMeta(ctx, m); tracing.HasRemote(c) {
				parent = c
			}
		}
		ctx, sp := g.tracer.Start(parent, method, trace.WithTimestamp(ts.start), trace.WithSpanKind(trace.SpanKindServer),
			trace.WithAttributes(attribute.String("mcp.method.name", method)))
		defer sp.End()
		g.traceAuth(ctx, ts)
		res, err := next(ctx, method, req)
		if err != nil {
			sp.SetStatus(codes.Error, "error")
		}
		return res, err
	}
}

// metaOf is the request's params._meta; nil when it has no params.
func metaOf(req mcp.Request) map[string]any {
	p := req.GetParams()
	if p == nil {
		return nil
	}
	if v := reflect.ValueOf(p); v.Kind() == reflect.Pointer && v.IsNil() {
		return nil
	}
	return p.GetMeta()
}

// stateOf finds the request's trace state: in the request's TokenInfo on
// a session's server, in the context on the stateless one.
func stateOf(ctx context.Context, req mcp.Request) *traceState {
	if ex := req.GetExtra(); ex != nil && ex.TokenInfo != nil {
		if ts, ok := ex.TokenInfo.Extra["mcpgate.trace"].(*traceState); ok {
			return ts
		}
	}
	ts, _ := ctx.Value(traceKey{}).(*traceState)
	return ts
}

// traceMCPConn records the MCP connection a proxied request goes to: a
// remote server's host and port, or that it runs as a command (whose
// command line and environment are not recorded).
func traceMCPConn(sp trace.Span, conn, remoteURL string) {
	if !sp.IsRecording() {
		return
	}
	sp.SetAttributes(attribute.String("mcpgate.connection", conn), attribute.String("mcpgate.upstream.kind", "mcp"))
	if remoteURL == "" {
		sp.SetAttributes(attribute.String("mcpgate.transport", "stdio"))
		return
	}
	sp.SetAttributes(attribute.String("mcpgate.transport", "http"))
	traceHost(sp, remoteURL)
}
