package bench

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mcpgate/mcpgate/pkg/appliance"
	"github.com/mcpgate/mcpgate/pkg/connector/fakekit"
	"github.com/mcpgate/mcpgate/pkg/mcpup"
)

// BenchmarkMCPProxy measures a proxied tools/call (test_simple_text of the
// go-sdk everything-server) through /mcp/<connection> beside the same call
// made directly, through a bare go-sdk relay (see relay) and, over HTTP,
// through a reverse proxy that forwards the bytes and reads nothing of
// them (the least any proxy reached over HTTP can cost), with 64
// go-sdk clients, over HTTP and over stdio, in one run. Directly over stdio means one session to one process shared by the
// 64 clients, which is what mcpgate does too. mcpgate-aggregate is the
// same call through /mcp (stateless, JSON responses) rather than
// /mcp/<connection> (sessions, SSE responses).
func BenchmarkMCPProxy(b *testing.B) {
	dir := b.TempDir()
	bin := filepath.Join(dir, "everything-server")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/modelcontextprotocol/go-sdk/conformance/everything-server").CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := l.Addr().String()
	l.Close()
	srv := exec.Command(bin, "-http", addr)
	srv.Stderr = os.Stderr
	if err := srv.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { srv.Process.Kill(); srv.Wait() })
	httpURL := "http://" + addr + "/mcp"
	for i := 0; ; i++ {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			break
		}
		if i > 100 {
			b.Fatal("the everything-server never listened")
		}
		time.Sleep(50 * time.Millisecond)
	}
	e := setup(b, filepath.Join(dir, "gw"), "sqlite://"+filepath.Join(dir, "mcpgate.db")+"?sync=full")
	a, err := appliance.Open(context.Background(), e.cfg)
	if err != nil {
		b.Fatal(err)
	}
	defer a.Close()
	owner, _ := a.ResolveUser(context.Background(), "")
	for name, cfg := range map[string]mcpup.Config{"http": {URL: httpURL}, "stdio": {Command: bin}} {
		if _, _, err := a.AddMCPConnection(context.Background(), owner, name, cfg, mcpup.Secrets{}); err != nil {
			b.Fatal(err)
		}
	}
	stdioDirect := func(b *testing.B) *mcp.ClientSession {
		s, err := mcp.NewClient(&mcp.Implementation{Name: "bench", Version: "1"}, nil).Connect(context.Background(), &mcp.CommandTransport{Command: exec.Command(bin)}, nil)
		if err != nil {
			b.Fatal(err)
		}
		return s
	}
	var shared *mcp.ClientSession
	// The relays outlive the runs of their sub-benchmark.
	// One client: a direct call and one through /mcp/<connection> per
	// iteration, the order turning; what mcpgate adds is the median over
	// iterations of the one's time less the other's, as GatewayVsDirect
	// reports for the built-in GitHub connector.
	for _, c := range []struct {
		name            string
		direct, gateway func(b *testing.B) *mcp.ClientSession
	}{
		{"http", func(b *testing.B) *mcp.ClientSession { return connectSDK(b, httpURL, "") },
			func(b *testing.B) *mcp.ClientSession { return connectSDK(b, e.url+"/http", e.key) }},
		{"stdio", func(b *testing.B) *mcp.ClientSession {
			s := stdioDirect(b)
			b.Cleanup(func() { s.Close() })
			return s
		}, func(b *testing.B) *mcp.ClientSession { return connectSDK(b, e.url+"/stdio", e.key) }},
	} {
		b.Run(c.name+"/added/clients=1", func(b *testing.B) {
			sessions := [2]*mcp.ClientSession{c.direct(b), c.gateway(b)}
			call := func(s *mcp.ClientSession) {
				if res, err := s.CallTool(context.Background(), &mcp.CallToolParams{Name: "test_simple_text"}); err != nil || res.IsError {
					b.Fatalf("call: %v %+v", err, res)
				}
			}
			took := turning(b, []func(){func() { call(sessions[0]) }, func() { call(sessions[1]) }})
			direct := took[0]
			added := make([]time.Duration, b.N)
			for i := range added {
				added[i] = took[1][i] - took[0][i]
			}
			b.ReportMetric(float64(median(direct).Microseconds()), "direct-µs/median")
			b.ReportMetric(float64(median(added).Microseconds()), "added-µs/median")
		})
	}
	var httpRelay, stdioRelay, byteProxy string
	outer := b
	for _, c := range []struct {
		name    string
		session func(b *testing.B) *mcp.ClientSession
		tool    string
	}{
		{"http/direct", func(b *testing.B) *mcp.ClientSession { return connectSDK(b, httpURL, "") }, "test_simple_text"},
		{"http/mcpgate", func(b *testing.B) *mcp.ClientSession { return connectSDK(b, e.url+"/http", e.key) }, "test_simple_text"},
		{"http/relay", func(b *testing.B) *mcp.ClientSession {
			if httpRelay == "" {
				httpRelay = relay(outer, connectSDK(outer, httpURL, ""), "test_simple_text")
			}
			return connectSDK(b, httpRelay, "")
		}, "test_simple_text"},
		{"http/byte-proxy", func(b *testing.B) *mcp.ClientSession {
			if byteProxy == "" {
				u, _ := url.Parse(httpURL)
				u.Path = ""
				srv := httptest.NewServer(fakekit.ReverseProxy(u))
				outer.Cleanup(srv.Close)
				byteProxy = srv.URL + "/mcp"
			}
			return connectSDK(b, byteProxy, "")
		}, "test_simple_text"},
		{"stdio/direct", func(b *testing.B) *mcp.ClientSession {
			if shared == nil {
				shared = stdioDirect(b)
			}
			return shared
		}, "test_simple_text"},
		{"stdio/relay", func(b *testing.B) *mcp.ClientSession {
			if stdioRelay == "" {
				stdioRelay = relay(outer, stdioDirect(outer), "test_simple_text")
			}
			return connectSDK(b, stdioRelay, "")
		}, "test_simple_text"},
		{"stdio/mcpgate", func(b *testing.B) *mcp.ClientSession { return connectSDK(b, e.url+"/stdio", e.key) }, "test_simple_text"},
		{"stdio/mcpgate-aggregate", func(b *testing.B) *mcp.ClientSession { return connectSDK(b, e.url, e.key) }, "stdio_test_simple_text"},
	} {
		b.Run(c.name+"/clients=64", func(b *testing.B) {
			sessions := make([]*mcp.ClientSession, 64)
			for i := range sessions {
				sessions[i] = c.session(b)
				if _, err := sessions[i].CallTool(context.Background(), &mcp.CallToolParams{Name: c.tool}); err != nil {
					b.Fatal(err)
				}
			}
			var next atomic.Int64
			var wg sync.WaitGroup
			b.ResetTimer()
			cpu0 := treeCPU()
			start := time.Now()
			for _, s := range sessions {
				wg.Go(func() {
					for next.Add(1) <= int64(b.N) {
						res, err := s.CallTool(context.Background(), &mcp.CallToolParams{Name: c.tool})
						if err != nil || res.IsError {
							b.Error(fmt.Errorf("call: %v %+v", err, res))
							return
						}
					}
				})
			}
			wg.Wait()
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "calls/s")
			if cpu := treeCPU() - cpu0; cpu0 > 0 {
				b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu-µs/call")
			}
		})
	}
}

// treeCPU is the CPU time (user and system) used so far by this process
// and every process under it (the servers, whether the benchmark or
// mcpgate started them), from /proc; 0 where there is none. With the
// machine's cores all busy, throughput is about cores over CPU per call,
// so the CPU of a proxied call against a direct one bounds their ratio
// whatever the load from elsewhere.
func treeCPU() time.Duration {
	var ticks int64
	var walk func(pid string)
	walk = func(pid string) {
		stat, err := os.ReadFile("/proc/" + pid + "/stat")
		if err != nil {
			return
		}
		// Fields after the command's closing parenthesis: state is the
		// first, utime and stime the 12th and 13th.
		f := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
		if len(f) > 12 {
			u, _ := strconv.ParseInt(f[11], 10, 64)
			s, _ := strconv.ParseInt(f[12], 10, 64)
			ticks += u + s
		}
		tasks, _ := os.ReadDir("/proc/" + pid + "/task")
		for _, t := range tasks {
			kids, _ := os.ReadFile("/proc/" + pid + "/task/" + t.Name() + "/children")
			for _, k := range strings.Fields(string(kids)) {
				walk(k)
			}
		}
	}
	walk(strconv.Itoa(os.Getpid()))
	return time.Duration(ticks) * time.Second / 100 // USER_HZ is 100 on Linux
}

// relay serves tool at the URL it returns from an in-process go-sdk
// server over Streamable HTTP (sessions, as /mcp/<connection>), whose
// handler passes each call on to up and its result back, and does nothing
// else: the most any proxy built on the SDK can do, for reading mcpgate's
// figures against.
func relay(b *testing.B, up *mcp.ClientSession, tool string) string {
	s := mcp.NewServer(&mcp.Implementation{Name: "relay", Version: "1"}, nil)
	s.AddTool(&mcp.Tool{Name: tool, InputSchema: map[string]any{"type": "object"}}, func(ctx context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		p := &mcp.CallToolParams{Name: tool}
		if len(req.Params.Arguments) > 0 {
			p.Arguments = req.Params.Arguments
		}
		return up.CallTool(ctx, p)
	})
	srv := httptest.NewServer(mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return s }, nil))
	b.Cleanup(srv.Close)
	return srv.URL
}

func connectSDK(b *testing.B, url, key string) *mcp.ClientSession {
	var rt http.RoundTripper = sharedTransport
	if key != "" {
		rt = bearer{key}
	}
	s, err := mcp.NewClient(&mcp.Implementation{Name: "bench", Version: "1"}, nil).Connect(context.Background(),
		&mcp.StreamableClientTransport{Endpoint: url, HTTPClient: &http.Client{Transport: rt}}, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}
