package e2e

import (
	"context"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mcpgate/mcpgate/pkg/mcpup"
)

// TestMCPUpstreamHostile connects servers that misbehave (test/mcpfake)
// beside the go-sdk's everything-server: each misbehaviour gets a clear
// error, memory stays bounded, and the other connection keeps serving.
func TestMCPUpstreamHostile(t *testing.T) {
	fake := goBinary(t, "github.com/mcpgate/mcpgate/test/mcpfake")
	// Something of serve's environment that must not reach a child.
	t.Setenv("MCPGATE_SENTINEL_NOT_FOR_CHILDREN", "x")
	g := startGateway(t, "MCPGATE_LIMITS_UPSTREAM_TIMEOUT=20s")
	ctx := context.Background()
	if _, _, err := g.App.AddMCPConnection(ctx, g.Owner, "every", mcpup.Config{Command: everythingServer(t)}, mcpup.Secrets{}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := g.App.AddMCPConnection(ctx, g.Owner, "fake", mcpup.Config{Command: fake, Env: map[string]string{"PLAIN": "visible"}, SecretEnv: []string{"FAKE_SECRET"}},
		mcpup.Secrets{Env: map[string]string{"FAKE_SECRET": mcpEnvCanary}}); err != nil {
		t.Fatal(err)
	}
	remoteFake := serveHTTP(t, fake)
	if _, _, err := g.App.AddMCPConnection(ctx, g.Owner, "rfake", mcpup.Config{URL: remoteFake}, mcpup.Secrets{}); err != nil {
		t.Fatal(err)
	}
	s := g.connectTo(t, g.URL, nil)
	stillServes := func(after string) {
		t.Helper()
		if res := call(t, s, "every_test_simple_text", nil); res.IsError {
			t.Errorf("after %s, the other connection fails: %s", after, text(res))
		}
	}

	// The child's environment is PATH, HOME, TMPDIR and what was
	// configured; a secret it echoes is redacted.
	names := text(call(t, s, "fake_env_names", nil))
	if !strings.HasPrefix(names, "FAKE_SECRET,HOME,PATH,PLAIN,TMPDIR\n") {
		t.Errorf("the child's environment: %s", names)
	}
	if !strings.Contains(names, "cwd="+g.Config.DataDir+"/mcp/") {
		t.Errorf("the child's working directory: %s", names)
	}
	echo := call(t, s, "fake_echo_env", map[string]any{"name": "FAKE_SECRET"})
	if strings.Contains(text(echo), mcpEnvCanary) || !strings.Contains(text(echo), "value: ") {
		t.Errorf("an echoed secret came back: %q", text(echo))
	}
	waitFor(t, "the child's stderr in the log", func() bool { return strings.Contains(g.Logs.String(), "mcpfake: serving on stdio; secret is") })
	noCanary(t, "the log", g.Logs.String())

	// A 50 MB result, over stdio and over HTTP: refused, memory bounded.
	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for _, tool := range []string{"fake_big", "rfake_big"} {
		res := call(t, s, tool, map[string]any{"bytes": 50 << 20})
		if !res.IsError || !strings.Contains(text(res), "max_message_bytes") && !strings.Contains(text(res), "too long") && !strings.Contains(text(res), "larger") {
			t.Errorf("%s 50 MB: %s", tool, trunc(text(res)))
		}
		stillServes(tool + " 50 MB")
	}
	waitFor(t, "the server to be started again", func() bool { return !call(t, s, "fake_env_names", nil).IsError })
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	if grown := int64(after.HeapInuse) - int64(before.HeapInuse); grown > 40<<20 {
		t.Errorf("the heap grew by %d MB over two 50 MB results", grown>>20)
	}
	// A result under the message bound but over the result bound is cut.
	if res := call(t, s, "rfake_big", map[string]any{"bytes": 1 << 20}); !strings.Contains(text(res), "[truncated: the result was") || len(text(res)) > 70<<10 {
		t.Errorf("1 MB result: %d bytes, %s", len(text(res)), trunc(text(res)))
	}

	// A notification flood does not stop the call.
	if res := call(t, s, "fake_flood", map[string]any{"count": 20000}); res.IsError || text(res) != "sent 20000" {
		t.Errorf("flood: %s", trunc(text(res)))
	}
	stillServes("a flood")

	// A hung call ends at the upstream timeout.
	start := time.Now()
	if res := call(t, s, "fake_hang", nil); !res.IsError || !strings.Contains(text(res), "did not answer within") {
		t.Errorf("hang: %s", text(res))
	}
	if d := time.Since(start); d > 40*time.Second {
		t.Errorf("a hung call took %s", d)
	}
	stillServes("a hang")

	// A server that dies mid-call: a clear error, then a restart.
	if res := call(t, s, "fake_die", nil); !res.IsError {
		t.Errorf("die: %s", text(res))
	}
	stillServes("a death")
	waitFor(t, "the server to be restarted", func() bool { return !call(t, s, "fake_env_names", nil).IsError })

	// A tool that changes after approval is withheld until approved.
	call(t, s, "fake_mutate", nil)
	var res *mcp.CallToolResult
	waitFor(t, "the change to be noticed", func() bool {
		res = call(t, s, "fake_victim", nil)
		return res.IsError
	})
	if !strings.Contains(text(res), "changed since it was approved") || !strings.Contains(text(res), "mcpgate connect approve fake") {
		t.Errorf("changed tool: %s", text(res))
	}
	if !strings.Contains(g.Logs.String(), "mcp tool changed since approval; withheld") {
		t.Error("the withheld tool is not in the log")
	}

	// Commands that cannot run: clear errors, nothing stored.
	for _, c := range []struct {
		cfg  mcpup.Config
		want string
	}{
		{mcpup.Config{Command: "/nonexistent/mcp-server"}, "no such file"},
		{mcpup.Config{Command: "no-such-mcp-server-anywhere"}, "not found in PATH"},
		{mcpup.Config{Command: fake, Args: []string{"-mode", "exit"}}, "exited"},
		{mcpup.Config{Command: fake, Args: []string{"-mode", "malformed"}}, "initialize"},
	} {
		_, _, err := g.App.AddMCPConnection(ctx, g.Owner, "broken", c.cfg, mcpup.Secrets{})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: err = %v, want %q", c.cfg.Args, err, c.want)
		}
	}
	if conns, _ := g.App.Connections(ctx, g.Owner); len(conns) != 4 {
		t.Errorf("%d connections after failed adds", len(conns))
	}

	// 10,000 tools: connected and listed.
	_, many, err := g.App.AddMCPConnection(ctx, g.Owner, "many", mcpup.Config{Command: fake, Args: []string{"-mode", "many"}}, mcpup.Secrets{})
	if err != nil || len(many) != 10000 {
		t.Fatalf("10,000 tools: %d, %v", len(many), err)
	}
	s2 := g.connectTo(t, g.endpoint("many"), nil)
	if n := len(toolNames(t, s2)); n != 10000 {
		t.Errorf("/mcp/many lists %d tools", n)
	}
	if res := call(t, s2, "tool_09999", nil); res.IsError {
		t.Errorf("tool_09999: %s", text(res))
	}
	stillServes("10,000 tools")
	noCanary(t, "the responses", g.Wire.String())
	noCanary(t, "the log", g.Logs.String())
}

func trunc(s string) string {
	if len(s) > 300 {
		return s[:300] + "…"
	}
	return s
}
