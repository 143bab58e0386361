package tracing

import (
	"context"
	"net/http"

	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// w3c reads and writes traceparent and tracestate, and nothing else: a
// client's baggage is not passed on.
var w3c = propagation.TraceContext{}

// FromHeader returns ctx with the remote span context of h's traceparent
// (and tracestate), or ctx unchanged when it has none or a malformed one.
func FromHeader(ctx context.Context, h http.Header) context.Context {
	if h.Get("traceparent") == "" {
		return ctx
	}
	return w3c.Extract(ctx, propagation.HeaderCarrier(h))
}

// FromMeta returns ctx with the remote span context of an MCP request's
// params._meta.traceparent (and tracestate), or ctx unchanged when meta
// has none, a non-string one or a malformed one.
func FromMeta(ctx context.Context, meta map[string]any) context.Context {
	tp, ok := meta["traceparent"].(string)
	if !ok || tp == "" {
		return ctx
	}
	c := propagation.MapCarrier{"traceparent": tp}
	if ts, ok := meta["tracestate"].(string); ok {
		c["tracestate"] = ts
	}
	return w3c.Extract(ctx, c)
}

// HasRemote reports whether ctx carries a valid span context.
func HasRemote(ctx context.Context) bool {
	return trace.SpanContextFromContext(ctx).IsValid()
}

// InjectMeta returns meta with the traceparent (and tracestate) of ctx's
// span, for a proxied MCP call's params._meta; meta unchanged when ctx
// has no valid span context. meta is copied, never written to.
func InjectMeta(ctx context.Context, meta map[string]any) map[string]any {
	if !trace.SpanContextFromContext(ctx).IsValid() {
		return meta
	}
	c := propagation.MapCarrier{}
	w3c.Inject(ctx, c)
	out := make(map[string]any, len(meta)+len(c))
	for k, v := range meta {
		out[k] = v
	}
	for k, v := range c {
		out[k] = v
	}
	return out
}
