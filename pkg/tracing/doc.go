// Package tracing sets up OpenTelemetry traces for serve: off unless the
// standard OTEL_* environment variables ask for an OTLP/HTTP exporter (see
// FromEnv), the no-op tracer when off. It also carries W3C trace context
// in and out: from a client's traceparent header or an MCP request's
// params._meta.traceparent, to an upstream's HTTP header or a proxied MCP
// call's _meta.
//
// What a span may carry is the caller's business; the gateway records
// names, decisions, outcomes and latencies, never arguments, results,
// keys, tokens or credentials.
package tracing
