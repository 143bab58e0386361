package tracing

import (
	"context"
	"fmt"
	"strings"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

// The environment variables that turn tracing on (the OpenTelemetry SDK's
// standard names). The exporter reads every other OTEL_EXPORTER_OTLP_*
// variable itself (headers, timeout, compression, certificates).
const (
	EnvExporter       = "OTEL_TRACES_EXPORTER"
	EnvEndpoint       = "OTEL_EXPORTER_OTLP_ENDPOINT"
	EnvTracesEndpoint = "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"
	EnvProtocol       = "OTEL_EXPORTER_OTLP_PROTOCOL"
	EnvTracesProtocol = "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"
	EnvSDKDisabled    = "OTEL_SDK_DISABLED"
)

// ServiceName is service.name unless OTEL_SERVICE_NAME (or
// OTEL_RESOURCE_ATTRIBUTES) says otherwise.
const ServiceName = "mcpgate"

// instrumentation names the tracer spans come from.
const instrumentation = "github.com/mcpgate/mcpgate"

// Tracing is serve's tracer and, when tracing is on, the provider that
// exports its spans. The zero value is off.
type Tracing struct {
	tp *sdktrace.TracerProvider // nil when off
}

// Enabled reports whether spans are recorded and exported.
func (t *Tracing) Enabled() bool { return t != nil && t.tp != nil }

// Tracer is the tracer the gateway starts its spans with: the no-op
// tracer when tracing is off.
func (t *Tracing) Tracer() trace.Tracer {
	if !t.Enabled() {
		return noop.NewTracerProvider().Tracer(instrumentation)
	}
	return t.tp.Tracer(instrumentation)
}

// Shutdown exports the spans still queued and stops the exporter; safe
// when tracing is off and after a partial start.
func (t *Tracing) Shutdown(ctx context.Context) error {
	if !t.Enabled() {
		return nil
	}
	if err := t.tp.Shutdown(ctx); err != nil {
		return fmt.Errorf("stop the trace exporter: %w", err)
	}
	return nil
}

// On reports whether the environment turns tracing on, and why not where
// it asks for something mcpgate cannot do:
//   - OTEL_SDK_DISABLED=true, or OTEL_TRACES_EXPORTER=none: off;
//   - OTEL_TRACES_EXPORTER=otlp: on (the endpoint defaults to the SDK's,
//     https://localhost:4318);
//   - OTEL_TRACES_EXPORTER unset: on when OTEL_EXPORTER_OTLP_ENDPOINT or
//     OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is set, off otherwise;
//   - any other exporter, or an OTLP protocol other than http/protobuf:
//     an error.
func On(getenv func(string) string) (bool, error) {
	if strings.EqualFold(strings.TrimSpace(getenv(EnvSDKDisabled)), "true") {
		return false, nil
	}
	on := false
	switch exp := strings.TrimSpace(getenv(EnvExporter)); exp {
	case "none":
		return false, nil
	case "otlp":
		on = true
	case "":
		on = getenv(EnvEndpoint) != "" || getenv(EnvTracesEndpoint) != ""
	default:
		return false, fmt.Errorf("%s=%q is not supported: mcpgate exports traces over OTLP/HTTP only; set it to otlp or none", EnvExporter, exp)
	}
	if !on {
		return false, nil
	}
	for _, name := range []string{EnvTracesProtocol, EnvProtocol} {
		if p := strings.TrimSpace(getenv(name)); p != "" {
			if p != "http/protobuf" {
				return false, fmt.Errorf("%s=%q is not supported: mcpgate exports traces over OTLP/HTTP; set it to http/protobuf or unset it", name, p)
			}
			break
		}
	}
	return true, nil
}

// FromEnv sets tracing up as the environment says (see On). Off, it
// starts nothing and its tracer is the no-op one. On, spans go through a
// batching processor (OTEL_BSP_* tune it) to an OTLP/HTTP exporter
// configured by the OTEL_EXPORTER_OTLP_* variables; the sampler is the
// SDK's (OTEL_TRACES_SAMPLER, parent-based always-on by default).
// getenv is os.Getenv outside tests; the SDK reads the process
// environment for the settings it owns.
func FromEnv(ctx context.Context, getenv func(string) string, version string) (*Tracing, error) {
	on, err := On(getenv)
	if err != nil || !on {
		return &Tracing{}, err
	}
	exp, err := otlptracehttp.New(ctx)
	if err != nil {
		return nil, fmt.Errorf("start the OTLP trace exporter (check the OTEL_EXPORTER_OTLP_* variables): %w", err)
	}
	res, err := resource.New(ctx,
		resource.WithAttributes(
			attribute.String("service.name", ServiceName),
			attribute.String("service.version", version),
		),
		resource.WithFromEnv(), // OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES win
		resource.WithTelemetrySDK(),
	)
	if err != nil {
		_ = exp.Shutdown(ctx)
		return nil, fmt.Errorf("read OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES: %w", err)
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res))
	return &Tracing{tp: tp}, nil
}
