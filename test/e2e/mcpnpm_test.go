package e2e

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mcpgate/mcpgate/pkg/mcpup"
)

// npmServer is the entry point of an MCP server from test/mcpservers.
func npmServer(t *testing.T, name string) string {
	t.Helper()
	dir, _ := filepath.Abs("../mcpservers/node_modules/@modelcontextprotocol/" + name + "/dist/index.js")
	if _, err := os.Stat(dir); err != nil {
		t.Fatalf("the MCP servers from npm are not installed: run `make test-tools` (npm ci in test/mcpservers): %v", err)
	}
	return dir
}

// TestMCPUpstreamNpmServers puts three servers from npm behind mcpgate
// as stdio commands (the reference everything server with a secret in its
// environment, the filesystem server, the memory server), and the
// everything server over the old HTTP+SSE transport as a remote one.
func TestMCPUpstreamNpmServers(t *testing.T) {
	g := startGateway(t)
	ctx := context.Background()
	root := t.TempDir()
	if err := os.WriteFile(filepath.Join(root, "hello.txt"), []byte("hello from the filesystem server"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		cfg  mcpup.Config
		sec  mcpup.Secrets
	}{
		{"ev", mcpup.Config{Command: "node", Args: []string{npmServer(t, "server-everything"), "stdio"}, SecretEnv: []string{"EV_TOKEN"}},
			mcpup.Secrets{Env: map[string]string{"EV_TOKEN": mcpEnvCanary}}},
		{"fs", mcpup.Config{Command: "node", Args: []string{npmServer(t, "server-filesystem"), root}}, mcpup.Secrets{}},
		{"mem", mcpup.Config{Command: "node", Args: []string{npmServer(t, "server-memory")}, Env: map[string]string{"MEMORY_FILE_PATH": filepath.Join(root, "memory.jsonl")}}, mcpup.Secrets{}},
	} {
		if _, _, err := g.App.AddMCPConnection(ctx, g.Owner, c.name, c.cfg, c.sec); err != nil {
			t.Fatalf("connect %s: %v", c.name, err)
		}
	}
	s := g.connectTo(t, g.URL, nil)
	if got := text(call(t, s, "ev_echo", map[string]any{"message": "hi there"})); !strings.Contains(got, "hi there") {
		t.Errorf("ev_echo: %s", got)
	}
	if got := text(call(t, s, "ev_get-sum", map[string]any{"a": 2, "b": 40})); !strings.Contains(got, "42") {
		t.Errorf("ev_get-sum: %s", got)
	}
	// The server prints its whole environment: the secret is redacted and
	// nothing of serve's environment is there.
	env := text(call(t, s, "ev_get-env", nil))
	if !strings.Contains(env, "EV_TOKEN") || strings.Contains(env, "MCPGATE_") {
		t.Errorf("ev_get-env: %s", env)
	}
	img := call(t, s, "ev_get-tiny-image", nil)
	found := false
	for _, c := range img.Content {
		if ic, ok := c.(*mcp.ImageContent); ok && len(ic.Data) > 0 {
			found = true
		}
	}
	if !found {
		t.Errorf("ev_get-tiny-image has no image: %#v", img.Content)
	}
	st := call(t, s, "ev_get-structured-content", map[string]any{"location": "New York"})
	if st.StructuredContent == nil {
		t.Errorf("ev_get-structured-content lost its structuredContent: %+v", st)
	}

	if got := text(call(t, s, "fs_read_text_file", map[string]any{"path": filepath.Join(root, "hello.txt")})); !strings.Contains(got, "hello from the filesystem server") {
		t.Errorf("fs_read_text_file: %s", got)
	}
	if res := call(t, s, "fs_read_text_file", map[string]any{"path": "/etc/passwd"}); !res.IsError {
		t.Errorf("the filesystem server read outside its root: %s", text(res))
	}
	if res := call(t, s, "fs_read_text_file", map[string]any{"path": filepath.Join(root, "hello.txt"), "Path": "x"}); !res.IsError || !strings.Contains(text(res), "invalid arguments") {
		t.Errorf("an argument the schema does not know: %s", text(res))
	}

	call(t, s, "mem_create_entities", map[string]any{"entities": []any{map[string]any{"name": "mcpgate", "entityType": "gateway", "observations": []any{"keeps secrets"}}}})
	if got := text(call(t, s, "mem_read_graph", nil)); !strings.Contains(got, "keeps secrets") {
		t.Errorf("mem_read_graph: %s", got)
	}

	// The old HTTP+SSE transport, as a remote server.
	l := listen(t)
	addr := l.Addr().String()
	l.Close()
	_, port, _ := strings.Cut(addr, ":")
	cmd := exec.Command("node", npmServer(t, "server-everything"), "sse")
	cmd.Env = append(os.Environ(), "PORT="+port)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	var err error
	for i := 0; i < 100; i++ {
		if _, _, err = g.App.AddMCPConnection(ctx, g.Owner, "evsse", mcpup.Config{URL: "http://127.0.0.1:" + port + "/sse"}, mcpup.Secrets{}); err == nil {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("connect over HTTP+SSE: %v", err)
	}
	s2 := g.connectTo(t, g.URL, nil)
	if got := text(call(t, s2, "evsse_echo", map[string]any{"message": "over sse"})); !strings.Contains(got, "over sse") {
		t.Errorf("evsse_echo: %s", got)
	}

	noCanary(t, "the responses", g.Wire.String())
	noCanary(t, "the log", g.Logs.String())
	noCanary(t, "a process's command line", cmdlines(t))
}

// TestInteropTypeScriptSDKMCPUpstream drives both endpoints of an MCP
// connection with the official TypeScript SDK client.
func TestInteropTypeScriptSDKMCPUpstream(t *testing.T) {
	dir, _ := filepath.Abs("../interop")
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "@modelcontextprotocol", "sdk")); err != nil {
		t.Fatalf("the TypeScript SDK is not installed: run `make test-tools` (npm ci in test/interop): %v", err)
	}
	g := startGateway(t)
	ctx := context.Background()
	if _, _, err := g.App.AddMCPConnection(ctx, g.Owner, "every", mcpup.Config{Command: everythingServer(t)}, mcpup.Secrets{}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ url, tool string }{{g.URL, "every_test_simple_text"}, {g.endpoint("every"), "test_simple_text"}} {
		cctx, cancel := context.WithTimeout(ctx, 60*time.Second)
		cmd := exec.CommandContext(cctx, "node", "mcpclient.mjs")
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "MCPGATE_URL="+c.url, "MCPGATE_KEY="+g.Key, "MCPGATE_TOOL="+c.tool)
		out, err := cmd.Output()
		cancel()
		if err != nil {
			t.Fatalf("node mcpclient.mjs: %v\n%s", err, out)
		}
		var got struct {
			Tools []string
			Call  struct {
				IsError bool
				Text    string
			}
			Image     struct{ Type, MimeType string }
			Prompts   []string
			Resources []string
			Error     string
		}
		if err := json.Unmarshal(out, &got); err != nil {
			t.Fatalf("client output %q: %v", out, err)
		}
		if got.Error != "" {
			t.Fatalf("%s: the TypeScript client failed: %s", c.url, got.Error)
		}
		if !contains(got.Tools, c.tool) || got.Call.IsError || !strings.Contains(got.Call.Text, "simple text response") {
			t.Errorf("%s: tools %d, call %+v", c.url, len(got.Tools), got.Call)
		}
		if got.Image.Type != "image" || got.Image.MimeType != "image/png" {
			t.Errorf("%s: image %+v", c.url, got.Image)
		}
		if c.url != g.URL && (!contains(got.Prompts, "test_simple_prompt") || !contains(got.Resources, "test://static-text")) {
			t.Errorf("%s: prompts %v, resources %v", c.url, got.Prompts, got.Resources)
		}
	}
}
