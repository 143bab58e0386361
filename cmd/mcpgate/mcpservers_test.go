package main

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// mcpServers builds the MCP servers the scripts connect into a directory
// put on their PATH: the go-sdk's conformance server and test/mcpfake.
func mcpServers(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for name, pkg := range map[string]string{
		"everything-server": "github.com/modelcontextprotocol/go-sdk/conformance/everything-server",
		"mcpfake":           "github.com/mcpgate/mcpgate/test/mcpfake",
	} {
		if out, err := exec.Command("go", "build", "-o", filepath.Join(dir, name), pkg).CombinedOutput(); err != nil {
			t.Fatalf("go build %s: %v\n%s", pkg, err, out)
		}
	}
	return dir
}

// freeAddr is a loopback address nothing listens on now.
func freeAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// waitPort waits until something listens at ADDR: waitport ADDR.
func waitPort(ts *testscript.TestScript, neg bool, args []string) {
	for i := 0; i < 200; i++ {
		if c, err := net.Dial("tcp", args[0]); err == nil {
			c.Close()
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	ts.Fatalf("nothing listens at %s", args[0])
}

// TestReadmeMCPExamples: every command of README.md's "Any MCP server"
// example is run by testdata/script/mcp.txtar (with the remote URL the
// script's server listens at).
func TestReadmeMCPExamples(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	script, err := os.ReadFile("testdata/script/mcp.txtar")
	if err != nil {
		t.Fatal(err)
	}
	_, sec, ok := strings.Cut(string(readme), "## Any MCP server\n")
	if !ok {
		t.Fatal("README.md has no section \"Any MCP server\"")
	}
	_, block, _ := strings.Cut(sec, "```sh\n")
	block, _, _ = strings.Cut(block, "```")
	run := strings.ReplaceAll(string(script), "http://$EVERYTHING_ADDR/mcp", "http://127.0.0.1:3001/mcp")
	n := 0
	for _, line := range strings.Split(block, "\n") {
		if _, cmd, ok := strings.Cut(line, "mcpgate "); ok && !strings.HasPrefix(line, "#") {
			n++
			if !strings.Contains(run, "exec mcpgate "+cmd+"\n") {
				t.Errorf("README example not run by mcp.txtar: mcpgate %s", cmd)
			}
		}
	}
	if n < 7 {
		t.Errorf("found %d README examples", n)
	}
}
