package e2e

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// Canary secrets of the MCP upstream tests: one in a stdio server's
// environment, one in a remote server's header. Neither may appear
// anywhere but in the child's environment and the outgoing request.
const (
	mcpEnvCanary    = "mcpenv_CANARY_4b1d9e7a2c5f8e3b6a0d"
	mcpHeaderCanary = "mcphdr_CANARY_9e2f7c4a1b8d5e0c3f6a"
)

var (
	binOnce sync.Map // package path -> *binBuild
)

type binBuild struct {
	once sync.Once
	path string
	err  error
}

// goBinary builds a Go main package once per test binary run and returns
// its path.
func goBinary(t testing.TB, pkg string) string {
	t.Helper()
	v, _ := binOnce.LoadOrStore(pkg, &binBuild{})
	b := v.(*binBuild)
	b.once.Do(func() {
		dir, err := os.MkdirTemp("", "mcpgate-e2e-bin")
		if err != nil {
			b.err = err
			return
		}
		b.path = filepath.Join(dir, filepath.Base(pkg))
		out, err := exec.Command("go", "build", "-o", b.path, pkg).CombinedOutput()
		if err != nil {
			b.err = fmt.Errorf("go build %s: %v\n%s", pkg, err, out)
		}
	})
	if b.err != nil {
		t.Fatal(b.err)
	}
	return b.path
}

// everythingServer is the go-sdk's own conformance server.
func everythingServer(t testing.TB) string {
	return goBinary(t, "github.com/modelcontextprotocol/go-sdk/conformance/everything-server")
}

// serveHTTP runs bin with -http on a free loopback port (plus args) and
// returns its URL once it answers.
func serveHTTP(t testing.TB, bin string, args ...string) string {
	t.Helper()
	addr := freePort(t)
	cmd := exec.Command(bin, append([]string{"-http", addr}, args...)...)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	url := "http://" + addr + "/mcp"
	for i := 0; ; i++ {
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
			return url
		}
		if i > 100 {
			t.Fatalf("%s never answered: %v", bin, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// connectTo opens a go-sdk client session to url with key.
func (g *gw) connectTo(t *testing.T, url string, opts *mcp.ClientOptions) *mcp.ClientSession {
	t.Helper()
	return g.connectToVersion(t, url, opts, "")
}

// connectToVersion is connectTo asking for an MCP revision ("" for the
// SDK's newest).
func (g *gw) connectToVersion(t *testing.T, url string, opts *mcp.ClientOptions, version string) *mcp.ClientSession {
	t.Helper()
	client := mcp.NewClient(&mcp.Implementation{Name: "mcpgate-e2e", Version: "1"}, opts)
	tr := &mcp.StreamableClientTransport{
		Endpoint:   url,
		HTTPClient: &http.Client{Transport: bearerRT{key: g.Key, wire: g.Wire}, Timeout: 60 * time.Second},
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	s, err := client.Connect(ctx, tr, &mcp.ClientSessionOptions{ProtocolVersion: version})
	if err != nil {
		t.Fatalf("connect to %s: %v", url, err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// endpoint is the URL of /mcp/<name>.
func (g *gw) endpoint(name string) string { return g.URL + "/" + name }

func toolNames(t *testing.T, s *mcp.ClientSession) map[string]*mcp.Tool {
	t.Helper()
	out := map[string]*mcp.Tool{}
	for tool, err := range s.Tools(context.Background(), nil) {
		if err != nil {
			t.Fatalf("list tools: %v", err)
		}
		out[tool.Name] = tool
	}
	return out
}

// noCanary fails if any canary shows in s (named what).
func noCanary(t *testing.T, what, s string) {
	t.Helper()
	for _, c := range []string{mcpEnvCanary, mcpHeaderCanary} {
		if strings.Contains(s, c) {
			t.Errorf("a canary secret is in %s", what)
		}
	}
}

// cmdlines is every process's command line.
func cmdlines(t *testing.T) string {
	t.Helper()
	var b strings.Builder
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		if c, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline")); err == nil {
			b.Write(c)
			b.WriteByte('\n')
		}
	}
	return b.String()
}

func listen(t *testing.T) net.Listener {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return l
}
