package e2e

import (
	"context"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mcpgate/mcpgate/pkg/connector/github/githubfake"
	"github.com/mcpgate/mcpgate/pkg/mcpup"
)

// Trace context a client sends: one trace in the HTTP header, another in
// an MCP request's params._meta.
const (
	clientTrace  = "4bf92f3577b34da6a3ce929d0e0e4736"
	clientSpan   = "00f067aa0ba902b7"
	metaTrace    = "0af7651916cd43dd8448eb211c80319c"
	metaSpan     = "b7ad6b7169203331"
	oneTrace     = "5a1e3c7b9d2f4e6a8c0b1d3f5e7a9c2b"
	argCanary    = "argcanary_5d2e8f1a7c3b9e4d6f0a"
	pathCanary   = "pathcanary_9c4e1a7f3b6d2e8a"
	traceHdrName = "traceparent"
)

func traceparent(trace, span string) string { return "00-" + trace + "-" + span + "-01" }

// traceRT sends the app key and a traceparent header.
type traceRT struct{ key, tp string }

func (t traceRT) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+t.key)
	if t.tp != "" {
		r.Header.Set(traceHdrName, t.tp)
	}
	return http.DefaultTransport.RoundTrip(r)
}

func tracedSession(t *testing.T, url, key, tp string) *mcp.ClientSession {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c := mcp.NewClient(&mcp.Implementation{Name: "traced-client", Version: "1"}, nil)
	s, err := c.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: url, HTTPClient: &http.Client{Transport: traceRT{key, tp}, Timeout: 30 * time.Second}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// seen records the traceparent each upstream received.
type seen struct {
	mu      sync.Mutex
	http    []string // the GitHub API's traceparent headers
	meta    []string // the MCP server's params._meta.traceparent
	mcpHTTP []string // the traceparent headers of the MCP server's POSTs
}

func (s *seen) add(to *[]string, v string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	*to = append(*to, v)
}

// tracedMCPServer is a remote MCP server with one tool, echo, that
// records the traceparent of each call's _meta, and one prompt, greet;
// it records the traceparent header of each POST and refuses requests
// without the canary header.
func tracedMCPServer(t *testing.T, rec *seen) string {
	s := mcp.NewServer(&mcp.Implementation{Name: "traced", Version: "1"}, nil)
	type args struct {
		Text string `json:"text"`
	}
	mcp.AddTool(s, &mcp.Tool{Name: "echo", Description: "echoes text"}, func(_ context.Context, req *mcp.CallToolRequest, a args) (*mcp.CallToolResult, any, error) {
		tp, _ := req.Params.Meta["traceparent"].(string)
		rec.add(&rec.meta, tp)
		return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: "echo: " + a.Text}}}, nil, nil
	})
	s.AddPrompt(&mcp.Prompt{Name: "greet", Description: "a greeting"}, func(_ context.Context, req *mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
		tp, _ := req.Params.Meta["traceparent"].(string)
		rec.add(&rec.meta, tp)
		return &mcp.GetPromptResult{Messages: []*mcp.PromptMessage{{Role: "user", Content: &mcp.TextContent{Text: "hello"}}}}, nil
	})
	h := mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return s }, nil)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Api-Key") != mcpHeaderCanary {
			http.Error(w, "no key", http.StatusUnauthorized)
			return
		}
		if r.Method == http.MethodPost {
			rec.add(&rec.mcpHTTP, r.Header.Get(traceHdrName))
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/mcp/" + pathCanary + "?q=" + pathCanary
}

// TestTracingSpanTree runs a gateway that exports to an OTLP/HTTP
// receiver in the test, as OTEL_EXPORTER_OTLP_ENDPOINT turns on, and
// checks the exported spans: one per MCP request, in the client's trace,
// with a child per step; the upstreams got a traceparent of the same
// trace; and no span byte holds the app key, a stored credential or an
// argument's value.
func TestTracingSpanTree(t *testing.T) {
	recv := newOTLPReceiver(t)
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", recv.URL)
	t.Setenv("OTEL_BSP_SCHEDULE_DELAY", "100")
	rec := &seen{}
	// The GitHub API behind a proxy that records the traceparent header.
	gh := githubfake.New(canary)
	t.Cleanup(gh.Close)
	ghURL, _ := url.Parse(gh.URL)
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec.add(&rec.http, r.Header.Get(traceHdrName))
		httputil.NewSingleHostReverseProxy(ghURL).ServeHTTP(w, r)
	}))
	t.Cleanup(proxy.Close)
	g := startGateway(t, "MCPGATE_CONNECTORS_GITHUB_API_URL="+proxy.URL)
	ctx := context.Background()
	upURL := tracedMCPServer(t, rec)
	if _, _, err := g.App.AddMCPConnection(ctx, g.Owner, "up", mcpup.Config{URL: upURL, Header: "X-Api-Key"},
		mcpup.Secrets{Header: mcpHeaderCanary}); err != nil {
		t.Fatal(err)
	}
	upHost, _ := url.Parse(upURL)
	fake := goBinary(t, "github.com/mcpgate/mcpgate/test/mcpfake")
	if _, _, err := g.App.AddMCPConnection(ctx, g.Owner, "fake", mcpup.Config{Command: fake, SecretEnv: []string{"FAKE_SECRET"}},
		mcpup.Secrets{Env: map[string]string{"FAKE_SECRET": mcpEnvCanary}}); err != nil {
		t.Fatal(err)
	}

	s := tracedSession(t, g.URL, g.Key, traceparent(clientTrace, clientSpan))
	if res := call(t, s, "github_get_file", map[string]any{"owner": "octocat", "repo": "hello-world", "path": "README.md"}); res.IsError {
		t.Fatalf("github_get_file: %s", text(res))
	}
	if res := call(t, s, "github_get_file", map[string]any{"owner": "octocat", "repo": "hello-world", "path": argCanary}); !res.IsError {
		t.Fatalf("a missing file came back as success: %s", text(res))
	}
	res, err := s.CallTool(ctx, &mcp.CallToolParams{Name: "up_echo", Arguments: map[string]any{"text": argCanary},
		Meta: mcp.Meta{"traceparent": traceparent(metaTrace, metaSpan)}})
	if err != nil || res.IsError || !strings.Contains(text(res), argCanary) {
		t.Fatalf("up_echo: %v %+v", err, res)
	}
	if res := call(t, s, "fake_echo_env", map[string]any{"name": "PLAIN"}); res.IsError {
		t.Fatalf("fake_echo_env: %s", text(res))
	}
	// /mcp/<connection> keeps a session: each request's own header counts.
	one := tracedSession(t, g.endpoint("up"), g.Key, traceparent(oneTrace, clientSpan))
	if res := call(t, one, "echo", map[string]any{"text": argCanary}); res.IsError {
		t.Fatalf("/mcp/up echo: %s", text(res))
	}
	if p, err := one.GetPrompt(ctx, &mcp.GetPromptParams{Name: "greet", Arguments: map[string]string{"who": argCanary}}); err != nil || len(p.Messages) != 1 {
		t.Fatalf("/mcp/up prompts/get: %v %+v", err, p)
	}
	one.Close()
	// A wrong key: a request span with a failed authentication.
	bad, err := http.NewRequest(http.MethodPost, g.URL, strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"tools/list"}`))
	if err != nil {
		t.Fatal(err)
	}
	bad.Header.Set("Authorization", "Bearer mgw_wrongkey")
	bad.Header.Set(traceHdrName, traceparent(clientTrace, clientSpan))
	if resp, err := http.DefaultClient.Do(bad); err != nil || resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("wrong key: %v %v", err, resp)
	} else {
		resp.Body.Close()
	}
	s.Close()
	g.stop() // flushes the exporter

	all := recv.spans()
	if len(all) == 0 {
		t.Fatal("no span was exported")
	}
	byName := map[string][]span{}
	for _, sp := range all {
		byName[sp.Name] = append(byName[sp.Name], sp)
		if sp.service != "mcpgate" {
			t.Errorf("span %q of service %q, want mcpgate", sp.Name, sp.service)
		}
	}
	names := func() []string {
		var n []string
		for k := range byName {
			n = append(n, k)
		}
		return n
	}

	// The built-in tool calls: in the client's trace, children of its span.
	calls := byName["tools/call github_get_file"]
	if len(calls) != 2 {
		t.Fatalf("got %d spans named tools/call github_get_file, want 2; spans: %v", len(calls), names())
	}
	for _, c := range calls {
		if c.trace() != clientTrace || c.parent() != clientSpan {
			t.Errorf("tool call span in trace %s under %s, want %s under %s", c.trace(), c.parent(), clientTrace, clientSpan)
		}
		if c.Kind != 2 /* SERVER */ || c.attr("mcp.method.name") != "tools/call" || c.attr("gen_ai.tool.name") != "github_get_file" ||
			c.attr("mcpgate.decision") != "allow" || c.attr("mcpgate.latency_ms") != "double" {
			t.Errorf("tool call span attributes: %v", c.Attributes)
		}
		kids := children(all, c)
		for _, step := range []string{"mcpgate.auth", "mcpgate.validate", "mcpgate.guard", "mcpgate.vault.open", "mcpgate.upstream", "mcpgate.audit"} {
			if _, ok := kids[step]; !ok {
				t.Errorf("tool call span lacks child %s; has %v", step, kids)
			}
		}
		if a := kids["mcpgate.auth"]; a.attr("mcpgate.auth.result") != "ok" || a.attr("mcpgate.auth.method") != "app_key" {
			t.Errorf("auth span attributes: %v", a.Attributes)
		}
		if gd := kids["mcpgate.guard"]; gd.attr("mcpgate.decision") != "allow" {
			t.Errorf("guard span attributes: %v", gd.Attributes)
		}
		up := kids["mcpgate.upstream"]
		if up.attr("server.address") != "127.0.0.1" {
			t.Errorf("upstream span attributes: %v", up.Attributes)
		}
		hs, ok := children(all, up)["HTTP GET"]
		if !ok {
			t.Errorf("the upstream span has no HTTP GET child")
			continue
		}
		status := hs.attr("http.response.status_code")
		switch c.attr("mcpgate.outcome") {
		case "ok":
			if status != "200" {
				t.Errorf("ok call's HTTP span status %q", status)
			}
		case "error":
			if status != "404" {
				t.Errorf("missing file's HTTP span status %q", status)
			}
		default:
			t.Errorf("outcome %q", c.attr("mcpgate.outcome"))
		}
		// The GitHub API got that HTTP span's traceparent.
		if !slices.Contains(rec.http, traceparent(clientTrace, hs.id())) {
			t.Errorf("the GitHub API did not get traceparent %s; got %v", traceparent(clientTrace, hs.id()), rec.http)
		}
	}

	// The proxied MCP call: in the trace of its _meta, which wins over
	// the header; the server got the upstream span's traceparent in _meta.
	mc := byName["tools/call up_echo"]
	if len(mc) != 2 {
		t.Fatalf("got %d spans named tools/call up_echo; spans: %v", len(mc), names())
	}
	if mc[0].trace() == oneTrace {
		mc[0], mc[1] = mc[1], mc[0]
	}
	if mc[1].trace() != oneTrace || mc[1].parent() != clientSpan || len(children(all, mc[1])) < 5 {
		t.Errorf("/mcp/up call span in trace %s under %s with %d children, want %s under %s", mc[1].trace(), mc[1].parent(), len(children(all, mc[1])), oneTrace, clientSpan)
	}
	if mc[0].trace() != metaTrace || mc[0].parent() != metaSpan || mc[0].attr("mcpgate.outcome") != "ok" {
		t.Errorf("MCP call span in trace %s under %s (outcome %q), want %s under %s", mc[0].trace(), mc[0].parent(), mc[0].attr("mcpgate.outcome"), metaTrace, metaSpan)
	}
	kids := children(all, mc[0])
	for _, step := range []string{"mcpgate.auth", "mcpgate.validate", "mcpgate.guard", "mcpgate.upstream", "mcpgate.audit"} {
		if _, ok := kids[step]; !ok {
			t.Errorf("MCP call span lacks child %s; has %v", step, kids)
		}
	}
	up := kids["mcpgate.upstream"]
	if up.attr("mcpgate.connection") != "up" || up.attr("mcpgate.transport") != "http" ||
		up.attr("server.address") != upHost.Hostname() || up.attr("server.port") != upHost.Port() {
		t.Errorf("MCP upstream span attributes: %v, want server %s", up.Attributes, upHost.Host)
	}
	if want := traceparent(metaTrace, up.id()); !slices.Contains(rec.meta, want) {
		t.Errorf("the MCP server's _meta.traceparent: got %v, want %s", rec.meta, want)
	}
	// The remote MCP server got the traceparent header of the upstream
	// span's HTTP POST: the call's own trace, not just its _meta.
	checkPost := func(what string, up span, trace string) {
		t.Helper()
		post, ok := children(all, up)["HTTP POST"]
		if !ok {
			t.Errorf("%s: the upstream span has no HTTP POST child; has %v", what, slices.Sorted(maps.Keys(children(all, up))))
			return
		}
		if post.attr("server.address") != upHost.Hostname() || post.attr("server.port") != upHost.Port() || post.attr("http.response.status_code") != "200" {
			t.Errorf("%s: HTTP POST span attributes: %v", what, post.Attributes)
		}
		if want := traceparent(trace, post.id()); !slices.Contains(rec.mcpHTTP, want) {
			t.Errorf("%s: the MCP server did not get traceparent header %s; got %v", what, want, rec.mcpHTTP)
		}
	}
	checkPost("tools/call up_echo", up, metaTrace)

	// A prompt passed through /mcp/up: its upstream child, and the
	// server got that child's trace in the header of its POST.
	gp := byName["prompts/get"]
	if len(gp) != 1 || gp[0].trace() != oneTrace || gp[0].parent() != clientSpan {
		t.Fatalf("prompts/get spans: %v", gp)
	}
	if pup, ok := children(all, gp[0])["mcpgate.upstream"]; !ok {
		t.Errorf("prompts/get span lacks child mcpgate.upstream; has %v", slices.Sorted(maps.Keys(children(all, gp[0]))))
	} else if pup.attr("mcpgate.connection") != "up" || pup.attr("server.port") != upHost.Port() {
		t.Errorf("prompts/get upstream span attributes: %v", pup.Attributes)
	} else {
		checkPost("prompts/get", pup, oneTrace)
		if want := traceparent(oneTrace, pup.id()); !slices.Contains(rec.meta, want) {
			t.Errorf("prompts/get: the MCP server's _meta.traceparent: got %v, want %s", rec.meta, want)
		}
	}

	// A command's server: the span says stdio, and names no command.
	fc := byName["tools/call fake_echo_env"]
	if len(fc) != 1 {
		t.Fatalf("got %d spans named tools/call fake_echo_env; spans: %v", len(fc), names())
	}
	if fup := children(all, fc[0])["mcpgate.upstream"]; fup.attr("mcpgate.transport") != "stdio" || fup.attr("mcpgate.connection") != "fake" || fup.attr("server.address") != "" {
		t.Errorf("stdio upstream span attributes: %v", fup.GetAttributes())
	}

	// The refused request: a span of its own with the failed auth.
	var refused []span
	for _, sp := range byName["mcp.request"] {
		if sp.attr("http.response.status_code") == "401" {
			refused = append(refused, sp)
		}
	}
	if len(refused) != 1 || refused[0].trace() != clientTrace {
		t.Fatalf("refused request spans: %v", refused)
	}
	if a := children(all, refused[0])["mcpgate.auth"]; a.attr("mcpgate.auth.result") != "refused" || a.Status.GetCode() != 2 /* ERROR */ {
		t.Errorf("refused auth span: %v %v", a.Attributes, a.Status)
	}

	// No secret in any exported byte.
	raw := string(recv.bytes())
	keySecret := g.Key[len(g.Key)-20:]
	for what, s := range map[string]string{"the app key": g.Key, "the app key's secret": keySecret, "the GitHub token": canary,
		"the MCP server's header": mcpHeaderCanary, "an argument's value": argCanary, "the wrong key": "mgw_wrongkey",
		"a command's secret env": mcpEnvCanary, "a command's path": fake, "the MCP server's path or query": pathCanary} {
		if strings.Contains(raw, s) {
			t.Errorf("%s appears in the exported spans", what)
		}
	}
	t.Logf("%d spans exported in %d requests (%d bytes); names: %v", len(all), recv.requests(), len(raw), names())
}

// TestTracingOffExportsNothing: with an endpoint set but tracing turned
// off (OTEL_TRACES_EXPORTER=none, or OTEL_SDK_DISABLED=true), serve starts
// no exporter and sends nothing, and the client's traceparent does not
// reach the upstream.
func TestTracingOffExportsNothing(t *testing.T) {
	for _, off := range [][2]string{{"OTEL_TRACES_EXPORTER", "none"}, {"OTEL_SDK_DISABLED", "true"}} {
		t.Run(off[0], func(t *testing.T) {
			recv := newOTLPReceiver(t)
			t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", recv.URL)
			t.Setenv("OTEL_BSP_SCHEDULE_DELAY", "10")
			t.Setenv(off[0], off[1])
			rec := &seen{}
			gh := githubfake.New(canary)
			t.Cleanup(gh.Close)
			ghURL, _ := url.Parse(gh.URL)
			proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				rec.add(&rec.http, r.Header.Get(traceHdrName))
				httputil.NewSingleHostReverseProxy(ghURL).ServeHTTP(w, r)
			}))
			t.Cleanup(proxy.Close)
			g := startGateway(t, "MCPGATE_CONNECTORS_GITHUB_API_URL="+proxy.URL)
			s := tracedSession(t, g.URL, g.Key, traceparent(clientTrace, clientSpan))
			if res := call(t, s, "github_get_file", map[string]any{"owner": "octocat", "repo": "hello-world", "path": "README.md"}); res.IsError {
				t.Fatalf("github_get_file: %s", text(res))
			}
			s.Close()
			time.Sleep(50 * time.Millisecond) // five export intervals, were an exporter running
			g.stop()
			if n := recv.requests(); n != 0 {
				t.Errorf("the receiver got %d requests with tracing off", n)
			}
			if strings.Contains(g.Logs.String(), "tracing on") {
				t.Errorf("serve says tracing is on:\n%s", g.Logs.String())
			}
			for _, tp := range rec.http {
				if tp != "" {
					t.Errorf("the upstream got traceparent %q with tracing off", tp)
				}
			}
			if len(rec.http) == 0 {
				t.Errorf("the upstream got no request")
			}
		})
	}
}
