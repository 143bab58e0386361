package e2e

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mcpgate/mcpgate/pkg/mcpup"
)

// relayClient is a go-sdk client of /mcp/<connection> that records what
// the server sent back to it during its calls.
type relayClient struct {
	name string
	cs   *mcp.ClientSession

	mu      sync.Mutex
	logs    []string
	elicits []string
	samples []string
	roots   int
	updated []string
}

func (c *relayClient) record(to *[]string, s string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	*to = append(*to, s)
}

func (c *relayClient) seen() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return fmt.Sprint(c.logs, c.elicits, c.samples)
}

// connectRelay opens a session for a client named name with sampling,
// elicitation and roots handlers (caps, if set, replaces what it
// declares: the handlers stay, so an undeclared request would still be
// answered if it reached the client). With noStream the client opens no
// standalone stream: it gets only what comes on its requests' streams.
func (g *gw) connectRelay(t *testing.T, url, name string, caps *mcp.ClientCapabilities, noStream ...bool) *relayClient {
	t.Helper()
	c := &relayClient{name: name}
	client := mcp.NewClient(&mcp.Implementation{Name: name, Version: "1"}, &mcp.ClientOptions{
		Capabilities: caps,
		ResourceUpdatedHandler: func(_ context.Context, r *mcp.ResourceUpdatedNotificationRequest) {
			c.record(&c.updated, r.Params.URI)
		},
		LoggingMessageHandler: func(_ context.Context, r *mcp.LoggingMessageRequest) {
			c.record(&c.logs, fmt.Sprint(r.Params.Data))
		},
		ElicitationHandler: func(_ context.Context, r *mcp.ElicitRequest) (*mcp.ElicitResult, error) {
			c.record(&c.elicits, r.Params.Message)
			return &mcp.ElicitResult{Action: "accept", Content: map[string]any{"name": name, "username": name}}, nil
		},
		CreateMessageHandler: func(_ context.Context, r *mcp.CreateMessageRequest) (*mcp.CreateMessageResult, error) {
			var prompt string
			if len(r.Params.Messages) > 0 {
				if tc, ok := r.Params.Messages[0].Content.(*mcp.TextContent); ok {
					prompt = tc.Text
				}
			}
			c.record(&c.samples, prompt)
			return &mcp.CreateMessageResult{Role: "assistant", Model: "test", Content: &mcp.TextContent{Text: "hello from " + name}}, nil
		},
	})
	client.AddRoots(&mcp.Root{URI: "file:///home/" + name, Name: name})
	client.AddReceivingMiddleware(func(next mcp.MethodHandler) mcp.MethodHandler {
		return func(ctx context.Context, method string, req mcp.Request) (mcp.Result, error) {
			if method == "roots/list" {
				c.mu.Lock()
				c.roots++
				c.mu.Unlock()
			}
			return next(ctx, method, req)
		}
	})
	tr := &mcp.StreamableClientTransport{
		Endpoint:             url,
		HTTPClient:           &http.Client{Transport: bearerRT{key: g.Key}, Timeout: 60 * time.Second},
		DisableStandaloneSSE: len(noStream) > 0 && noStream[0],
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	// Relays ride on the client's session: a 2026-07-28 client keeps none
	// (see the README), so these clients speak the revision before it.
	cs, err := client.Connect(ctx, tr, &mcp.ClientSessionOptions{ProtocolVersion: "2025-11-25"})
	if err != nil {
		t.Fatalf("connect to %s: %v", url, err)
	}
	t.Cleanup(func() { cs.Close() })
	c.cs = cs
	return c
}

func (c *relayClient) call(t *testing.T, tool string, args map[string]any) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	res, err := c.cs.CallTool(ctx, &mcp.CallToolParams{Name: tool, Arguments: args})
	if err != nil {
		t.Errorf("%s: %s: %v", c.name, tool, err)
		return ""
	}
	out := text(res)
	if res.IsError {
		t.Errorf("%s: %s failed: %s", c.name, tool, out)
	}
	return out
}

// TestMCPRelayEverythingServer: through /mcp/<connection>, the go-sdk
// everything-server's log messages, sampling, elicitation and roots
// requests reach the calling client and its answers reach the server, and
// its update notices reach a client subscribed to the resource,
// with the server over stdio and over Streamable HTTP.
func TestMCPRelayEverythingServer(t *testing.T) {
	bin := everythingServer(t)
	g := startGateway(t)
	ctx := context.Background()
	for name, cfg := range map[string]mcpup.Config{
		"every":  {Command: bin},
		"remote": {URL: serveHTTP(t, bin, "-stateless=false")},
	} {
		if _, _, err := g.App.AddMCPConnection(ctx, g.Owner, name, cfg, mcpup.Secrets{}); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range []string{"every", "remote"} {
		t.Run(name, func(t *testing.T) {
			c := g.connectRelay(t, g.endpoint(name), "alice", nil)
			// The client's session with the server is up before the level
			// is set: setLevel itself must reach the server.
			c.call(t, "test_simple_text", nil)
			if err := c.cs.SetLoggingLevel(ctx, &mcp.SetLoggingLevelParams{Level: "debug"}); err != nil {
				t.Fatal(err)
			}
			c.call(t, "test_tool_with_logging", nil)
			waitFor(t, "3 log messages", func() bool { c.mu.Lock(); defer c.mu.Unlock(); return len(c.logs) >= 3 })
			if got := c.call(t, "test_sampling", map[string]any{"prompt": "capital of France?"}); !strings.Contains(got, "hello from alice") {
				t.Errorf("test_sampling = %q, want the client's answer", got)
			}
			if len(c.samples) != 1 || c.samples[0] != "capital of France?" {
				t.Errorf("sampling requests seen by the client: %q", c.samples)
			}
			if got := c.call(t, "test_elicitation", map[string]any{"message": "who are you?"}); !strings.Contains(got, "alice") {
				t.Errorf("test_elicitation = %q, want the client's answer", got)
			}
			if got := c.call(t, "test_input_required_result_list_roots", nil); !strings.Contains(got, "file:///home/alice") {
				t.Errorf("roots: %q, want the client's root", got)
			}
			// The server announces an update of its watched resource every
			// 3 seconds to the sessions subscribed to it.
			if err := c.cs.Subscribe(ctx, &mcp.SubscribeParams{URI: "test://watched-resource"}); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "a resource update", func() bool { c.mu.Lock(); defer c.mu.Unlock(); return len(c.updated) > 0 })

			// A client without a standalone stream gets the server's
			// messages on its call's stream, as it would directly.
			d := g.connectRelay(t, g.endpoint(name), "dave", nil, true)
			if err := d.cs.SetLoggingLevel(ctx, &mcp.SetLoggingLevelParams{Level: "debug"}); err != nil {
				t.Fatal(err)
			}
			d.call(t, "test_tool_with_logging", nil)
			d.mu.Lock()
			logs := len(d.logs)
			d.mu.Unlock()
			if got := d.call(t, "test_sampling", map[string]any{"prompt": "x"}); !strings.Contains(got, "hello from dave") || logs != 3 {
				t.Errorf("a client without a standalone stream: test_sampling = %q, %d log messages", got, logs)
			}
		})
	}
}

// TestMCPRelayIsolationAndSecrets: what a server sends back during one
// client's call reaches that client only, even while another client of
// the same key calls the same tool of the same connection; what is relayed
// quotes none of the connection's secrets; and a request for a capability
// the client did not declare is answered "method not found" by mcpgate,
// never passed to the client.
func TestMCPRelayIsolationAndSecrets(t *testing.T) {
	bin := goBinary(t, "github.com/mcpgate/mcpgate/test/mcpasker")
	g := startGateway(t)
	ctx := context.Background()
	if _, _, err := g.App.AddMCPConnection(ctx, g.Owner, "asker", mcpup.Config{Command: bin, SecretEnv: []string{"ASKER_SECRET"}},
		mcpup.Secrets{Env: map[string]string{"ASKER_SECRET": mcpEnvCanary}}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := g.App.AddMCPConnection(ctx, g.Owner, "askerhttp", mcpup.Config{URL: serveHTTP(t, bin), Header: "X-Api-Key"},
		mcpup.Secrets{Header: mcpHeaderCanary}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"asker", "askerhttp"} {
		t.Run(name, func(t *testing.T) {
			clients := []*relayClient{g.connectRelay(t, g.endpoint(name), "alice", nil), g.connectRelay(t, g.endpoint(name), "bob", nil)}
			for _, c := range clients {
				if err := c.cs.SetLoggingLevel(ctx, &mcp.SetLoggingLevelParams{Level: "info"}); err != nil {
					t.Fatal(err)
				}
			}
			var wg sync.WaitGroup
			results := make([][]string, len(clients))
			for i, c := range clients {
				wg.Go(func() {
					for _, tool := range []string{"elicit", "sample", "roots"} {
						results[i] = append(results[i], c.call(t, tool, map[string]any{"tag": c.name, "hold_ms": 300}))
					}
				})
			}
			wg.Wait()
			for i, c := range clients {
				other := clients[1-i].name
				want := []string{"name=" + c.name, "model said hello from " + c.name, "roots file:///home/" + c.name}
				for j, w := range want {
					if !strings.Contains(results[i][j], w) {
						t.Errorf("%s's call %d = %q, want %q", c.name, j, results[i][j], w)
					}
				}
				waitFor(t, c.name+"'s 3 log messages", func() bool { c.mu.Lock(); defer c.mu.Unlock(); return len(c.logs) >= 3 })
				seen := c.seen()
				if len(c.elicits) != 1 || len(c.samples) != 1 || c.roots != 1 || len(c.logs) != 3 {
					t.Errorf("%s received %d elicitations, %d sampling and %d roots requests, %d log messages; want 1, 1, 1, 3: %s",
						c.name, len(c.elicits), len(c.samples), c.roots, len(c.logs), seen)
				}
				if strings.Contains(seen, "call "+other) || strings.Contains(seen, "tag:"+other) {
					t.Errorf("%s received what the server sent during %s's call: %s", c.name, other, seen)
				}
				if !strings.Contains(seen, "call "+c.name) {
					t.Errorf("%s did not receive its own requests: %s", c.name, seen)
				}
				noCanary(t, c.name+"'s relayed messages", seen)
				if !strings.Contains(seen, "[redacted") {
					t.Errorf("%s's relayed messages show no redaction of the quoted secret: %s", c.name, seen)
				}
			}

			// A client's session with the server ends with its session
			// with mcpgate: over stdio, its server process is stopped.
			if name == "asker" {
				before := stdioProcesses(t, bin)
				clients[0].cs.Close()
				waitFor(t, "alice's server process to stop", func() bool { return stdioProcesses(t, bin) == before-1 })
			}

			// A client without roots: the server's roots/list is refused
			// by mcpgate and never reaches the client.
			carol := g.connectRelay(t, g.endpoint(name), "carol", &mcp.ClientCapabilities{})
			got := carol.call(t, "roots", map[string]any{"tag": "carol"})
			if !strings.Contains(got, "roots/list failed") || !strings.Contains(got, "method not found") || carol.roots != 0 {
				t.Errorf("roots of a client without the capability: %q, the client was asked %d times", got, carol.roots)
			}
		})
	}
}

// stdioProcesses counts the processes running bin without arguments.
func stdioProcesses(t *testing.T, bin string) int {
	n := 0
	for _, l := range strings.Split(cmdlines(t), "\n") {
		if l == bin+"\x00" {
			n++
		}
	}
	return n
}
