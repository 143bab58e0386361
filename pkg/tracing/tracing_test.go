package tracing

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

func env(kv ...string) func(string) string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) string { return m[k] }
}

func TestOnReadsTheStandardVariables(t *testing.T) {
	tests := []struct {
		name    string
		env     []string
		on      bool
		wantErr string
	}{
		{"nothing set is off", nil, false, ""},
		{"an endpoint turns it on", []string{EnvEndpoint, "http://127.0.0.1:4318"}, true, ""},
		{"a traces endpoint turns it on", []string{EnvTracesEndpoint, "http://127.0.0.1:4318/v1/traces"}, true, ""},
		{"otlp turns it on without an endpoint", []string{EnvExporter, "otlp"}, true, ""},
		{"none wins over an endpoint", []string{EnvExporter, "none", EnvEndpoint, "http://x"}, false, ""},
		{"the SDK disabled wins over otlp", []string{EnvExporter, "otlp", EnvSDKDisabled, "true"}, false, ""},
		{"http/protobuf is fine", []string{EnvEndpoint, "http://x", EnvProtocol, "http/protobuf"}, true, ""},
		{"grpc is refused", []string{EnvEndpoint, "http://x", EnvProtocol, "grpc"}, false, "OTEL_EXPORTER_OTLP_PROTOCOL"},
		{"the traces protocol wins", []string{EnvEndpoint, "http://x", EnvProtocol, "grpc", EnvTracesProtocol, "http/protobuf"}, true, ""},
		{"another exporter is refused", []string{EnvExporter, "zipkin"}, false, "OTEL_TRACES_EXPORTER"},
		{"a protocol alone does not turn it on", []string{EnvProtocol, "grpc"}, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			on, err := On(env(tt.env...))
			if on != tt.on {
				t.Errorf("On = %v, want %v", on, tt.on)
			}
			if (err != nil) != (tt.wantErr != "") || (err != nil && !strings.Contains(err.Error(), tt.wantErr)) {
				t.Errorf("err = %v, want one naming %q", err, tt.wantErr)
			}
		})
	}
}

func TestOffStartsNothing(t *testing.T) {
	tr, err := FromEnv(context.Background(), env(), "test")
	if err != nil {
		t.Fatal(err)
	}
	if tr.Enabled() || tr.tp != nil {
		t.Fatal("tracing is on with no variable set")
	}
	if _, ok := tr.Tracer().(noop.Tracer); !ok {
		t.Errorf("the tracer when off is %T, want the no-op tracer", tr.Tracer())
	}
	if err := tr.Shutdown(context.Background()); err != nil {
		t.Errorf("Shutdown when off: %v", err)
	}
	var zero *Tracing
	if zero.Enabled() || zero.Shutdown(context.Background()) != nil {
		t.Error("a nil Tracing is not off")
	}
}

func TestMetaCarriesTheTrace(t *testing.T) {
	const tp = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
	ctx := FromMeta(context.Background(), map[string]any{"traceparent": tp, "progressToken": 1})
	sc := trace.SpanContextFromContext(ctx)
	if !sc.IsValid() || !sc.IsRemote() || sc.TraceID().String() != "0af7651916cd43dd8448eb211c80319c" {
		t.Fatalf("span context from _meta: %+v", sc)
	}
	in := map[string]any{"progressToken": "p"}
	out := InjectMeta(ctx, in)
	if out["traceparent"] != tp || out["progressToken"] != "p" || len(in) != 1 {
		t.Errorf("InjectMeta = %v (input now %v)", out, in)
	}
	for _, bad := range []map[string]any{nil, {"traceparent": 5}, {"traceparent": "00-zz-yy-01"}, {"traceparent": ""}} {
		if HasRemote(FromMeta(context.Background(), bad)) {
			t.Errorf("FromMeta(%v) found a trace", bad)
		}
	}
	if m := InjectMeta(context.Background(), nil); m != nil {
		t.Errorf("InjectMeta without a trace = %v", m)
	}
}

func TestTransportRecordsHostAndStatusAndSendsTraceparent(t *testing.T) {
	var got string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Header.Get("traceparent")
		w.WriteHeader(http.StatusTeapot)
	}))
	defer srv.Close()
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	tr := tp.Tracer("t")
	c := &http.Client{Transport: Transport(http.DefaultTransport, tr)}

	// Outside a span the request passes untouched.
	resp, err := c.Get(srv.URL + "/plain")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got != "" || len(rec.Ended()) != 0 {
		t.Fatalf("outside a span: traceparent %q, %d spans", got, len(rec.Ended()))
	}

	ctx, parent := tr.Start(context.Background(), "parent")
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/repos/secret-path?q=secret-query", nil)
	resp, err = c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	parent.End()
	spans := rec.Ended()
	if len(spans) != 2 || spans[0].Name() != "HTTP GET" || spans[0].Parent().SpanID() != parent.SpanContext().SpanID() {
		t.Fatalf("spans: %v", spans)
	}
	if want := "00-" + spans[0].SpanContext().TraceID().String() + "-" + spans[0].SpanContext().SpanID().String() + "-01"; got != want {
		t.Errorf("upstream got traceparent %q, want %q", got, want)
	}
	attrs := map[string]string{}
	for _, a := range spans[0].Attributes() {
		attrs[string(a.Key)] = a.Value.Emit()
		if strings.Contains(a.Value.Emit(), "secret") {
			t.Errorf("attribute %s holds the URL's path or query: %s", a.Key, a.Value.Emit())
		}
	}
	if attrs["server.address"] != "127.0.0.1" || attrs["http.response.status_code"] != "418" || attrs["http.request.method"] != "GET" || attrs["server.port"] == "" {
		t.Errorf("attributes: %v", attrs)
	}
	if req.Header.Get("traceparent") != "" {
		t.Error("the transport changed the caller's request")
	}
}
