package e2e

import (
	"bytes"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	coltrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"
)

// otlpReceiver is an OTLP/HTTP trace receiver: it decodes each
// ExportTraceServiceRequest posted to /v1/traces and keeps the raw bytes,
// so a test can look for secrets in every byte that was exported.
type otlpReceiver struct {
	URL string // http://host:port, the OTEL_EXPORTER_OTLP_ENDPOINT
	mu  sync.Mutex
	raw bytes.Buffer
	req []*coltrace.ExportTraceServiceRequest
	n   int // requests of any kind
}

func newOTLPReceiver(t *testing.T) *otlpReceiver {
	t.Helper()
	r := &otlpReceiver{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, hr *http.Request) {
		body, err := io.ReadAll(hr.Body)
		r.mu.Lock()
		defer r.mu.Unlock()
		r.n++
		if err != nil || hr.URL.Path != "/v1/traces" || hr.Header.Get("Content-Type") != "application/x-protobuf" {
			t.Errorf("OTLP receiver: %s %s (%s): %v", hr.Method, hr.URL.Path, hr.Header.Get("Content-Type"), err)
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		var req coltrace.ExportTraceServiceRequest
		if err := proto.Unmarshal(body, &req); err != nil {
			t.Errorf("OTLP receiver: decode: %v", err)
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		r.raw.Write(body)
		r.req = append(r.req, &req)
		out, _ := proto.Marshal(&coltrace.ExportTraceServiceResponse{})
		w.Header().Set("Content-Type", "application/x-protobuf")
		w.Write(out)
	}))
	t.Cleanup(srv.Close)
	r.URL = srv.URL
	return r
}

// span is one exported span with its resource's service name.
type span struct {
	*tracepb.Span
	service string
}

func (s span) trace() string  { return hex.EncodeToString(s.TraceId) }
func (s span) id() string     { return hex.EncodeToString(s.SpanId) }
func (s span) parent() string { return hex.EncodeToString(s.ParentSpanId) }

// attr is the span's attribute k as a string ("" when absent).
func (s span) attr(k string) string {
	for _, kv := range s.GetAttributes() {
		if kv.Key == k {
			return anyString(kv.Value)
		}
	}
	return ""
}

func anyString(v *commonpb.AnyValue) string {
	switch x := v.GetValue().(type) {
	case *commonpb.AnyValue_StringValue:
		return x.StringValue
	case *commonpb.AnyValue_IntValue:
		return itoa(int(x.IntValue))
	case *commonpb.AnyValue_DoubleValue:
		return "double"
	case *commonpb.AnyValue_BoolValue:
		if x.BoolValue {
			return "true"
		}
		return "false"
	}
	return ""
}

func (r *otlpReceiver) spans() []span {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []span
	for _, req := range r.req {
		for _, rs := range req.ResourceSpans {
			svc := ""
			for _, kv := range rs.GetResource().GetAttributes() {
				if kv.Key == "service.name" {
					svc = anyString(kv.Value)
				}
			}
			for _, ss := range rs.ScopeSpans {
				for _, sp := range ss.Spans {
					out = append(out, span{sp, svc})
				}
			}
		}
	}
	return out
}

func (r *otlpReceiver) bytes() []byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	return bytes.Clone(r.raw.Bytes())
}

func (r *otlpReceiver) requests() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.n
}

// children are the spans whose parent is p, by name.
func children(all []span, p span) map[string]span {
	out := map[string]span{}
	for _, s := range all {
		if s.parent() == p.id() && s.trace() == p.trace() {
			out[s.Name] = s
		}
	}
	return out
}
