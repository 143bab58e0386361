package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestInteropTypeScriptSDKOAuth connects the official TypeScript SDK's
// client OAuth to mcpgate's authorization server: discovery from the 401,
// dynamic registration, PKCE, the resource parameter, the sign-in approved
// through the CLI path, then a tool call, then a refresh.
func TestInteropTypeScriptSDKOAuth(t *testing.T) {
	dir, _ := filepath.Abs("../interop")
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "@modelcontextprotocol", "sdk")); err != nil {
		t.Fatalf("the TypeScript SDK is not installed: run `make test-tools` (npm ci in test/interop): %v", err)
	}
	g, issuer := startAuthServerGateway(t)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", "oauth-client.mjs")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "MCPGATE_URL="+g.URL)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stdout strings.Builder
	cmd.Stdout = &stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var errText strings.Builder
	sc := bufio.NewScanner(stderr)
	for sc.Scan() {
		line := sc.Text()
		if code, ok := strings.CutPrefix(line, "APPROVE "); ok {
			// What `mcpgate oauth approve CODE` does.
			if _, _, err := g.App.ApproveOAuth(ctx, g.Owner, code); err != nil {
				t.Errorf("approve: %v", err)
			}
			continue
		}
		errText.WriteString(line + "\n")
	}
	_, _ = io.Copy(io.Discard, stderr)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("node oauth-client.mjs: %v\n%s\n%s", err, stdout.String(), errText.String())
	}
	var got struct {
		AuthorizeParams map[string]string
		Iss             string
		Registered      bool
		ListIssues      struct {
			IsError bool
			Text    string
		}
		Refresh      string
		Rotated      bool
		AfterRefresh struct{ IsError bool }
		Error        string
	}
	if err := json.Unmarshal([]byte(stdout.String()), &got); err != nil {
		t.Fatalf("client output %q: %v\n%s", stdout.String(), err, errText.String())
	}
	if got.Error != "" {
		t.Fatalf("the TypeScript client failed: %s\n%s", got.Error, errText.String())
	}
	if got.AuthorizeParams["resource"] != issuer+"/mcp" || got.AuthorizeParams["code_challenge_method"] != "S256" || !got.Registered {
		t.Errorf("the SDK's authorization request: %+v, registered %v", got.AuthorizeParams, got.Registered)
	}
	if got.Iss != issuer {
		t.Errorf("iss in the redirect: %q, want %q", got.Iss, issuer)
	}
	if got.ListIssues.IsError || got.ListIssues.Text == "" {
		t.Errorf("tool call with the SDK's token: %+v", got.ListIssues)
	}
	if got.Refresh != "AUTHORIZED" || !got.Rotated || got.AfterRefresh.IsError {
		t.Errorf("refresh: %q, rotated %v, call after %+v", got.Refresh, got.Rotated, got.AfterRefresh)
	}
	if strings.Contains(g.Logs.String(), "mgo_at_") || strings.Contains(g.Logs.String(), "mgo_rt_") {
		t.Error("a token is in the log")
	}
}
