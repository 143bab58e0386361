package e2e

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mcpgate/mcpgate/pkg/apikey"
	"github.com/mcpgate/mcpgate/pkg/appliance"
	"github.com/mcpgate/mcpgate/pkg/approval"
	"github.com/mcpgate/mcpgate/pkg/config"
	"github.com/mcpgate/mcpgate/pkg/connector/github/githubfake"
	"github.com/mcpgate/mcpgate/pkg/secret"
	"github.com/mcpgate/mcpgate/pkg/store"
)

// canary is the GitHub token under test: it must reach the fake GitHub and
// nothing else.
const canary = "ghp_E2ECANARY7f3a9c1d5e8b2f4a6c0d9e1b3a5c7e9f1"

// gw is a running gateway with one GitHub connection and one app key.
type gw struct {
	URL     string // .../mcp
	Admin   string // http://host:port of the admin listener
	Key     string
	KeyName string
	GH      *githubfake.Server
	App     *appliance.App
	Owner   store.User
	Config  *config.Config
	Logs    *syncBuffer
	DBPath  string
	// Wire records the status line, headers and body of every response
	// the gateway sent to clients.
	Wire *syncBuffer
	// SignIn, when set before serve, is the approval page's browser
	// sign-in.
	SignIn approval.SignIn

	stop func()
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startGateway runs init, connects GitHub with the canary, creates a key
// and serves on loopback. env adds MCPGATE_* settings.
func startGateway(t testing.TB, env ...string) *gw {
	t.Helper()
	ctx := context.Background()
	gh := githubfake.New(canary)
	t.Cleanup(gh.Close)
	dir := t.TempDir()
	base := []string{
		"MCPGATE_DATA_DIR=" + dir,
		"MCPGATE_LISTEN=127.0.0.1:0",
		"MCPGATE_ADMIN_LISTEN=127.0.0.1:0",
		"MCPGATE_CONNECTORS_GITHUB_API_URL=" + gh.URL,
		"MCPGATE_LOG_LEVEL=debug",
	}
	cfg, err := config.Load(config.Options{Env: append(base, env...)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := appliance.Init(ctx, cfg, "owner"); err != nil {
		t.Fatal(err)
	}
	a, err := appliance.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	owner, err := a.ResolveUser(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.AddTokenConnection(ctx, owner, "github", "github", secret.FromString(canary)); err != nil {
		t.Fatal(err)
	}
	raw, k, err := a.CreateKey(ctx, owner, "e2e", nil)
	if err != nil {
		t.Fatal(err)
	}
	g := &gw{
		Key: raw.Reveal(), KeyName: k.Name, GH: gh, App: a, Owner: owner, Config: cfg, Logs: &syncBuffer{},
		DBPath: dir + "/mcpgate.db", Wire: &syncBuffer{},
	}
	g.serve(t)
	return g
}

// serve starts the gateway's listeners on g.App.
func (g *gw) serve(t testing.TB) {
	t.Helper()
	ctx := context.Background()
	log := slog.New(slog.NewJSONHandler(apikey.NewRedactingWriter(g.Logs), &slog.HandlerOptions{Level: slog.LevelDebug}))
	s, err := g.App.NewServing(ctx, log, "test")
	if err != nil {
		t.Fatal(err)
	}
	if g.SignIn != nil {
		s.Approvals.SignIn = g.SignIn
	}
	if err := s.Server.Start(ctx); err != nil {
		t.Fatal(err)
	}
	stopped := false
	g.stop = func() {
		if stopped {
			return
		}
		stopped = true
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		s.Server.Shutdown(sctx)
		s.Close()
	}
	t.Cleanup(g.stop)
	g.URL = "http://" + s.Server.Addr("gateway") + "/mcp"
	g.Admin = "http://" + s.Server.Addr("admin")
}

// restart stops the gateway and starts a new one on the same data dir, as
// a restarted `mcpgate serve` would: nothing is kept but the database.
func (g *gw) restart(t *testing.T) {
	t.Helper()
	g.stop()
	g.App.Close()
	a, err := appliance.Open(context.Background(), g.Config)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	g.App = a
	g.serve(t)
	// Connections kept alive to the old listener are dead now; a POST on
	// one would fail rather than be retried, as with any restarted server.
	http.DefaultTransport.(*http.Transport).CloseIdleConnections()
}

// bearerRT adds the app key and copies every response's status line,
// headers and body to wire.
type bearerRT struct {
	key  string
	wire io.Writer
}

func (b bearerRT) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.key)
	resp, err := http.DefaultTransport.RoundTrip(r)
	if err != nil || b.wire == nil {
		return resp, err
	}
	fmt.Fprintf(b.wire, "%s %s\n", resp.Proto, resp.Status)
	resp.Header.Write(b.wire)
	resp.Body = struct {
		io.Reader
		io.Closer
	}{io.TeeReader(resp.Body, b.wire), resp.Body}
	return resp, nil
}

// connect opens a go-sdk client session with key.
func (g *gw) connect(t *testing.T, key string) (*mcp.ClientSession, error) {
	t.Helper()
	client := mcp.NewClient(&mcp.Implementation{Name: "mcpgate-e2e", Version: "1"}, nil)
	tr := &mcp.StreamableClientTransport{
		Endpoint:   g.URL,
		HTTPClient: &http.Client{Transport: bearerRT{key: key, wire: g.Wire}, Timeout: 30 * time.Second},
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return client.Connect(ctx, tr, nil)
}

func (g *gw) session(t *testing.T) *mcp.ClientSession {
	t.Helper()
	s, err := g.connect(t, g.Key)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func call(t *testing.T, s *mcp.ClientSession, tool string, args map[string]any) *mcp.CallToolResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := s.CallTool(ctx, &mcp.CallToolParams{Name: tool, Arguments: args})
	if err != nil {
		t.Fatalf("call %s: %v", tool, err)
	}
	return res
}

func toolParams(name string, args map[string]any) *mcp.CallToolParams {
	return &mcp.CallToolParams{Name: name, Arguments: args}
}

func text(r *mcp.CallToolResult) string {
	var b bytes.Buffer
	for _, c := range r.Content {
		if tc, ok := c.(*mcp.TextContent); ok {
			b.WriteString(tc.Text)
		}
	}
	return b.String()
}
