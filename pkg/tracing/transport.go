package tracing

import (
	"net/http"
	"strconv"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// Transport wraps base so that each request made within a span gets a
// client span of its own, "HTTP <method>", carrying the upstream's host,
// port, the method and the response status, and sends that span's
// traceparent to the upstream. The URL's path and query, the headers and
// the bodies are not recorded: they may hold arguments and credentials.
// A request whose context has no recording span passes through untouched.
func Transport(base http.RoundTripper, tr trace.Tracer) http.RoundTripper {
	return &transport{base: base, tr: tr}
}

type transport struct {
	base http.RoundTripper
	tr   trace.Tracer
}

func (t *transport) RoundTrip(r *http.Request) (*http.Response, error) {
	if !trace.SpanFromContext(r.Context()).IsRecording() {
		return t.base.RoundTrip(r)
	}
	attrs := []attribute.KeyValue{
		attribute.String("http.request.method", r.Method),
		attribute.String("server.address", r.URL.Hostname()),
	}
	if p := r.URL.Port(); p != "" {
		if n, err := strconv.Atoi(p); err == nil {
			attrs = append(attrs, attribute.Int("server.port", n))
		}
	}
	ctx, span := t.tr.Start(r.Context(), "HTTP "+r.Method, trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(attrs...))
	defer span.End()
	r = r.Clone(ctx) // a RoundTripper must not change the caller's request
	w3c.Inject(ctx, propagation.HeaderCarrier(r.Header))
	resp, err := t.base.RoundTrip(r)
	if err != nil {
		// The error may quote the URL: its text stays out of the span.
		span.SetStatus(codes.Error, "request failed")
		return resp, err
	}
	span.SetAttributes(attribute.Int("http.response.status_code", resp.StatusCode))
	if resp.StatusCode >= 400 {
		span.SetStatus(codes.Error, "HTTP "+strconv.Itoa(resp.StatusCode))
	}
	return resp, nil
}
