// Package bench measures what the gateway adds to a tool call: the same
// GitHub call made directly and through mcpgate (auth, tool lookup, vault,
// audit committed to SQLite), in one run, and calls per second with 1 and
// 64 concurrent clients.
package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mcpgate/mcpgate/pkg/appliance"
	"github.com/mcpgate/mcpgate/pkg/config"
	"github.com/mcpgate/mcpgate/pkg/connector"
	"github.com/mcpgate/mcpgate/pkg/connector/github/githubfake"
	"github.com/mcpgate/mcpgate/pkg/secret"
)

const token = "ghp_BENCH00000000000000000000000000000000"

var args = map[string]any{"owner": "octocat", "repo": "hello-world"}

type env struct {
	url, key string
	gh       *githubfake.Server
	direct   connector.Tool
	up       connector.Upstream
}

func setup(b *testing.B) *env {
	b.Helper()
	appliance.TuneRuntime() // as serve does
	ctx := context.Background()
	gh := githubfake.New(token)
	b.Cleanup(gh.Close)
	cfg, err := config.Load(config.Options{Env: []string{
		"MCPGATE_DATA_DIR=" + b.TempDir(), "MCPGATE_LISTEN=127.0.0.1:0", "MCPGATE_ADMIN_LISTEN=127.0.0.1:0",
		"MCPGATE_CONNECTORS_GITHUB_API_URL=" + gh.URL,
	}})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := appliance.Init(ctx, cfg, "owner"); err != nil {
		b.Fatal(err)
	}
	a, err := appliance.Open(ctx, cfg)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { a.Close() })
	owner, _ := a.ResolveUser(ctx, "")
	if _, err := a.AddTokenConnection(ctx, owner, "github", "github", secret.FromString(token)); err != nil {
		b.Fatal(err)
	}
	raw, _, err := a.CreateKey(ctx, owner, "bench", nil)
	if err != nil {
		b.Fatal(err)
	}
	s, err := a.NewServing(ctx, slog.New(slog.DiscardHandler), "bench")
	if err != nil {
		b.Fatal(err)
	}
	if err := s.Server.Start(ctx); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Server.Shutdown(context.Background()); s.Close() })

	p, _ := connector.Lookup("github")
	var tool connector.Tool
	for _, t := range p.Tools() {
		if t.Name == "get_repo" {
			tool = t
		}
	}
	return &env{
		url: "http://" + s.Server.Addr("gateway") + "/mcp", key: raw.Reveal(), gh: gh, direct: tool,
		up: connector.Upstream{BaseURL: gh.URL, Credential: secret.FromString(token), HTTP: connector.NewHTTPClient(30 * time.Second)},
	}
}

type bearer struct{ key string }

var sharedTransport = func() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 256
	return t
}()

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.key)
	return sharedTransport.RoundTrip(r)
}

func (e *env) session(b *testing.B) *mcp.ClientSession {
	client := mcp.NewClient(&mcp.Implementation{Name: "bench", Version: "1"}, nil)
	s, err := client.Connect(context.Background(), &mcp.StreamableClientTransport{
		Endpoint: e.url, HTTPClient: &http.Client{Transport: bearer{e.key}},
	}, nil)
	if err != nil {
		b.Fatal(err)
	}
	return s
}

func (e *env) viaGateway(b *testing.B, s *mcp.ClientSession) {
	if err := e.callGateway(s); err != nil {
		b.Fatal(err)
	}
}

func (e *env) callGateway(s *mcp.ClientSession) error {
	res, err := s.CallTool(context.Background(), &mcp.CallToolParams{Name: "github_get_repo", Arguments: args})
	if err != nil {
		return err
	}
	if res.IsError {
		return fmt.Errorf("gateway call failed: %v", res.Content)
	}
	return nil
}

func (e *env) viaDirect(b *testing.B) {
	raw, _ := json.Marshal(args)
	if _, err := e.direct.Call(context.Background(), e.up, raw); err != nil {
		b.Fatalf("direct call: %v", err)
	}
}

func median(d []time.Duration) time.Duration {
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	return d[len(d)/2]
}

// BenchmarkGatewayVsDirect alternates a direct call and a gateway call, so
// both see the same machine state, and reports their medians and ratio.
func BenchmarkGatewayVsDirect(b *testing.B) {
	e := setup(b)
	s := e.session(b)
	defer s.Close()
	for range 50 { // warm connections and caches
		e.viaDirect(b)
		e.viaGateway(b, s)
	}
	direct := make([]time.Duration, 0, b.N)
	via := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for range b.N {
		t0 := time.Now()
		e.viaDirect(b)
		t1 := time.Now()
		e.viaGateway(b, s)
		t2 := time.Now()
		direct = append(direct, t1.Sub(t0))
		via = append(via, t2.Sub(t1))
	}
	b.StopTimer()
	md, mg := median(direct), median(via)
	b.ReportMetric(float64(md.Microseconds()), "direct-µs/median")
	b.ReportMetric(float64(mg.Microseconds()), "gateway-µs/median")
	b.ReportMetric(float64((mg - md).Microseconds()), "added-µs/median")
	b.ReportMetric(float64(mg)/float64(md), "ratio")
}

// BenchmarkThroughput runs tool calls from 1 and 64 concurrent clients,
// each with its own MCP session, and reports calls per second.
func BenchmarkThroughput(b *testing.B) {
	e := setup(b)
	for _, clients := range []int{1, 64} {
		b.Run(map[int]string{1: "clients=1", 64: "clients=64"}[clients], func(b *testing.B) {
			sessions := make([]*mcp.ClientSession, clients)
			for i := range sessions {
				sessions[i] = e.session(b)
				e.viaGateway(b, sessions[i])
			}
			defer func() {
				for _, s := range sessions {
					s.Close()
				}
			}()
			var next atomic.Int64
			var wg sync.WaitGroup
			b.ResetTimer()
			start := time.Now()
			for _, s := range sessions {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for next.Add(1) <= int64(b.N) {
						if err := e.callGateway(s); err != nil {
							b.Error(err)
							return
						}
					}
				}()
			}
			wg.Wait()
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "calls/s")
		})
	}
}
