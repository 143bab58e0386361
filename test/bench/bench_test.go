// Package bench measures what the gateway adds to a tool call: the same
// GitHub call made directly and through mcpgate (auth, tool lookup, vault,
// audit committed), in one run, and calls per second with 1 and 64
// concurrent clients, on SQLite in both sync modes and on PostgreSQL. The
// 64 clients share one user and key, or each has a user and key of its
// own (users=64): the harder case for the audit writer, whose records of
// different users must share disk syncs all the same.
package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
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
	"github.com/mcpgate/mcpgate/pkg/store/postgres/pgtest"
)

const token = "ghp_BENCH00000000000000000000000000000000"

var args = map[string]any{"owner": "octocat", "repo": "hello-world"}

// manyUsers is how many users (each with its own connection and key)
// the users=64 throughput runs spread their clients over.
const manyUsers = 64

type env struct {
	url, key string
	keys     []string // manyUsers keys, one per user; keys[0] is key's user's
	cfg      *config.Config
	gh       *githubfake.Server
	direct   connector.Tool
	up       connector.Upstream
}

// stores are the databases measured, each a function of the data dir
// giving the database URL: SQLite with sync=full (the default: each audit
// record on disk before its result is returned) and sync=normal (written
// to the OS, on disk at the next checkpoint), and PostgreSQL on the server
// MCPGATE_TEST_POSTGRES_URL names, when it is set.
var stores = []struct {
	name string
	url  func(b *testing.B, dir string) string
}{
	{"sqlite-full", func(b *testing.B, dir string) string {
		return "sqlite://" + filepath.Join(dir, "mcpgate.db") + "?sync=full"
	}},
	{"sqlite-normal", func(b *testing.B, dir string) string {
		return "sqlite://" + filepath.Join(dir, "mcpgate.db") + "?sync=normal"
	}},
	{"postgres", func(b *testing.B, dir string) string { return pgtest.FreshDB(b) }},
}

// eachStore runs bench as a sub-benchmark per store.
func eachStore(b *testing.B, bench func(*testing.B, *env)) {
	for _, st := range stores {
		b.Run("db="+st.name, func(b *testing.B) {
			dir := b.TempDir()
			bench(b, setup(b, dir, st.url(b, dir)))
		})
	}
}

func setup(b *testing.B, dir, dbURL string) *env {
	b.Helper()
	appliance.TuneRuntime() // as serve does
	ctx := context.Background()
	gh := githubfake.New(token)
	b.Cleanup(gh.Close)
	cfg, err := config.Load(config.Options{Env: []string{
		"MCPGATE_DATA_DIR=" + dir, "MCPGATE_LISTEN=127.0.0.1:0", "MCPGATE_ADMIN_LISTEN=127.0.0.1:0",
		"MCPGATE_DATABASE_URL=" + dbURL,
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
	keys := []string{raw.Reveal()}
	for i := 1; i < manyUsers; i++ {
		u, err := a.AddUser(ctx, fmt.Sprintf("bench%d", i), false)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := a.AddTokenConnection(ctx, u, "github", "github", secret.FromString(token)); err != nil {
			b.Fatal(err)
		}
		k, _, err := a.CreateKey(ctx, u, "bench", nil)
		if err != nil {
			b.Fatal(err)
		}
		keys = append(keys, k.Reveal())
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
		url: "http://" + s.Server.Addr("gateway") + "/mcp", key: raw.Reveal(), keys: keys, gh: gh, direct: tool, cfg: cfg,
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

func (e *env) session(b *testing.B, key string) *mcp.ClientSession {
	client := mcp.NewClient(&mcp.Implementation{Name: "bench", Version: "1"}, nil)
	s, err := client.Connect(context.Background(), &mcp.StreamableClientTransport{
		Endpoint: e.url, HTTPClient: &http.Client{Transport: bearer{key}},
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

// rawCall is a tools/call posted as a plain JSON-RPC request over HTTP,
// the thinnest client there is, so that what is measured is the gateway
// rather than a client library. Each caller keeps its own connection.
func (e *env) rawCall(hc *http.Client, key string) error {
	req, err := http.NewRequest(http.MethodPost, e.url, bytes.NewReader(rawBody))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	req.Header.Set("Mcp-Protocol-Version", "2025-06-18")
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	var msg struct {
		Result *struct {
			IsError bool `json:"isError"`
		} `json:"result"`
	}
	if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &msg) != nil || msg.Result == nil || msg.Result.IsError {
		return fmt.Errorf("gateway call failed: %s %s", resp.Status, body)
	}
	return nil
}

var rawBody = []byte(`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"github_get_repo","arguments":{"owner":"octocat","repo":"hello-world"}}}`)

func newRawClient() *http.Client {
	return &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
}

func (e *env) viaDirect(b *testing.B) {
	raw, _ := json.Marshal(args)
	if _, err := connector.Call(context.Background(), e.direct, e.up, raw); err != nil {
		b.Fatalf("direct call: %v", err)
	}
}

// turning warms calls up, then times b.N iterations of them all, in an
// order that turns each iteration so that each call follows each other
// as often (a call right after one that waited on a disk sync is slower,
// whichever it is). took[k][i] is call k's time in iteration i.
func turning(b *testing.B, calls []func()) (took [][]time.Duration) {
	for range 50 { // warm connections and caches
		for _, call := range calls {
			call()
		}
	}
	took = make([][]time.Duration, len(calls))
	for k := range took {
		took[k] = make([]time.Duration, b.N)
	}
	b.ResetTimer()
	for i := range b.N {
		for j := range calls {
			k := (i + j) % len(calls)
			t0 := time.Now()
			calls[k]()
			took[k][i] = time.Since(t0)
		}
	}
	b.StopTimer()
	return took
}

func median(d []time.Duration) time.Duration {
	d = append([]time.Duration(nil), d...)
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	return d[len(d)/2]
}

// BenchmarkGatewayVsDirect makes, in each iteration, a direct call, a
// gateway call from a plain HTTP client and one from the go-sdk client,
// in an order that turns each iteration, so that each kind follows each
// other kind as often (a call right after one that waited on a disk sync
// is slower, whichever kind it is). It reports the medians, and what the
// gateway adds: the median over iterations of the gateway call's time
// less the direct call's of the same iteration.
func BenchmarkGatewayVsDirect(b *testing.B) { eachStore(b, gatewayVsDirect) }

func gatewayVsDirect(b *testing.B, e *env) {
	s := e.session(b, e.key)
	defer s.Close()
	hc := newRawClient()
	calls := [3]func(){
		func() { e.viaDirect(b) },
		func() {
			if err := e.rawCall(hc, e.key); err != nil {
				b.Fatal(err)
			}
		},
		func() { e.viaGateway(b, s) },
	}
	took := turning(b, calls[:])
	added := make([]time.Duration, b.N)
	for i := range added {
		added[i] = took[1][i] - took[0][i]
	}
	md, mg, ms, ma := median(took[0]), median(took[1]), median(took[2]), median(added)
	b.ReportMetric(float64(md.Microseconds()), "direct-µs/median")
	b.ReportMetric(float64(mg.Microseconds()), "gateway-µs/median")
	b.ReportMetric(float64(ma.Microseconds()), "added-µs/median")
	b.ReportMetric(float64(mg)/float64(md), "ratio")
	b.ReportMetric(float64(ms.Microseconds()), "sdk-client-gateway-µs/median")
}

// BenchmarkThroughput runs tool calls from 1 and 64 concurrent clients,
// each with a connection of its own, and reports calls per second: plain
// HTTP clients, and go-sdk clients (one MCP session each). The 64 clients
// run twice: all as one user with one key, and spread over 64 users with
// a key each.
func BenchmarkThroughput(b *testing.B) { eachStore(b, throughput) }

func throughput(b *testing.B, e *env) {
	for _, kind := range []string{"http", "sdk"} {
		for _, run := range []struct{ clients, users int }{{1, 1}, {64, 1}, {64, manyUsers}} {
			b.Run(fmt.Sprintf("client=%s/clients=%d/users=%d", kind, run.clients, run.users), func(b *testing.B) {
				calls := make([]func() error, run.clients)
				for i := range calls {
					key := e.keys[i%run.users]
					if kind == "http" {
						hc := newRawClient()
						calls[i] = func() error { return e.rawCall(hc, key) }
					} else {
						s := e.session(b, key)
						defer s.Close()
						calls[i] = func() error { return e.callGateway(s) }
					}
					if err := calls[i](); err != nil {
						b.Fatal(err)
					}
				}
				var next atomic.Int64
				var wg sync.WaitGroup
				b.ResetTimer()
				start := time.Now()
				for _, call := range calls {
					wg.Add(1)
					go func() {
						defer wg.Done()
						for next.Add(1) <= int64(b.N) {
							if err := call(); err != nil {
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
}
