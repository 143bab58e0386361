package gateway

import (
	"context"
	"testing"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/mcpgate/mcpgate/pkg/guard"
	"github.com/mcpgate/mcpgate/pkg/tracing"
)

// stepsOfACall is what a built-in tool call does for tracing: a span for
// each step and the call's attributes on the request's span.
// (start is the call's own; a proxied MCP call also injects _meta).
func stepsOfACall(g *Gateway, ctx context.Context, start time.Time) {
	for _, name := range []string{spanValidate, spanGuard, spanVault, spanUpstream, spanAudit} {
		c, sp := g.span(ctx, name)
		switch name {
		case spanGuard:
			traceDecision(sp, guard.Decision{Allow: true})
		case spanUpstream:
			_ = tracing.InjectMeta(c, nil)
		}
		endStep(sp, false)
	}
	traceCall(ctx, "github_get_repo", guard.Decision{Allow: true}, OutcomeOK, start)
}

// TestTracingOffAllocatesNothing: with tracing off, the tracing a tool
// call does allocates nothing.
func TestTracingOffAllocatesNothing(t *testing.T) {
	g := &Gateway{tracer: noop.NewTracerProvider().Tracer("")}
	ctx, _ := withRequest(context.Background())
	start := time.Now()
	if n := testing.AllocsPerRun(100, func() { stepsOfACall(g, ctx, start) }); n != 0 {
		t.Errorf("tracing off: %v allocations per call, want 0", n)
	}
}

// BenchmarkTracingSteps measures what tracing adds to a tool call, off
// (the default) and on (spans recorded, none exported).
func BenchmarkTracingSteps(b *testing.B) {
	ctx, _ := withRequest(context.Background())
	start := time.Now()
	b.Run("off", func(b *testing.B) {
		g := &Gateway{tracer: noop.NewTracerProvider().Tracer("")}
		b.ReportAllocs()
		for b.Loop() {
			stepsOfACall(g, ctx, start)
		}
	})
	b.Run("on", func(b *testing.B) {
		tp := sdktrace.NewTracerProvider()
		g := &Gateway{tracer: tp.Tracer(""), traced: true}
		ctx, sp := g.tracer.Start(ctx, "tools/call")
		defer sp.End()
		b.ReportAllocs()
		for b.Loop() {
			stepsOfACall(g, ctx, start)
		}
	})
}
