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
)

// TestInteropTypeScriptSDK drives /mcp with the official TypeScript MCP SDK
// client, a client nobody here wrote. `make test-tools` installs it from the
// committed lockfile.
func TestInteropTypeScriptSDK(t *testing.T) {
	dir, _ := filepath.Abs("../interop")
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "@modelcontextprotocol", "sdk")); err != nil {
		t.Fatalf("the TypeScript SDK is not installed: run `make test-tools` (npm ci in test/interop): %v", err)
	}
	g := startGateway(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", "client.mjs")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "MCPGATE_URL="+g.URL, "MCPGATE_KEY="+g.Key)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node client.mjs: %v\n%s", err, out)
	}
	var got struct {
		Server     struct{ Name string }
		Tools      []string
		ReadOnly   []string
		ListIssues struct {
			IsError bool
			Text    string
		}
		MissingArg struct {
			IsError bool
			Text    string
		}
		Error string
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("client output %q: %v", out, err)
	}
	if got.Error != "" {
		t.Fatalf("the TypeScript client failed: %s", got.Error)
	}
	if got.Server.Name != "mcpgate" {
		t.Errorf("server name = %q", got.Server.Name)
	}
	if len(got.Tools) != 11 || !contains(got.ReadOnly, "github_list_issues") || contains(got.ReadOnly, "github_create_issue") {
		t.Errorf("tools = %v, read-only = %v", got.Tools, got.ReadOnly)
	}
	if got.ListIssues.IsError || !strings.Contains(got.ListIssues.Text, "Found a bug") {
		t.Errorf("list_issues = %+v", got.ListIssues)
	}
	if !got.MissingArg.IsError {
		t.Errorf("a call missing an argument was not an error: %+v", got.MissingArg)
	}
	if strings.Contains(string(out), canary) {
		t.Error("the canary token reached the TypeScript client")
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
