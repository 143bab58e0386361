package e2e

import (
	"context"
	"os"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mcpgate/mcpgate/pkg/connector/github/githubfake"
)

// readmeTracingExample is the `mcpgate serve` line of README.md's
// "Tracing" section, split into its environment and its arguments.
func readmeTracingExample(t *testing.T) (env, args []string) {
	t.Helper()
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	sec := regexp.MustCompile("(?s)\n## Tracing\n(.*?)\n## ").FindSubmatch(readme)
	if sec == nil {
		t.Fatal("README.md has no section \"Tracing\"")
	}
	blocks := regexp.MustCompile("(?s)```sh\n(.*?)```").FindAllSubmatch(sec[1], -1)
	if len(blocks) != 1 {
		t.Fatalf("found %d sh blocks in README.md's Tracing section, want 1", len(blocks))
	}
	words := strings.Fields(string(blocks[0][1]))
	for len(words) > 0 && strings.Contains(words[0], "=") {
		env, words = append(env, words[0]), words[1:]
	}
	if len(words) < 2 || words[0] != "mcpgate" || words[1] != "serve" || len(env) == 0 {
		t.Fatalf("the README's tracing example is not `VAR=... mcpgate serve`: %q", blocks[0][1])
	}
	return env, words[1:]
}

// TestReadmeTracingExample runs README.md's tracing example with the real
// binary, its endpoint pointed at an OTLP receiver in the test instead of
// the example's port, and checks that a tool call's span arrives under
// the README's service name, in the client's trace, on SIGTERM at the
// latest.
func TestReadmeTracingExample(t *testing.T) {
	env, args := readmeTracingExample(t)
	mcpgateBinary(t) // built before the clock starts
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if len(args) != 1 {
		t.Fatalf("the example's arguments %q: the rig runs `serve` alone", args)
	}
	recv := newOTLPReceiver(t)
	service := ""
	for i, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		switch k {
		case "OTEL_EXPORTER_OTLP_ENDPOINT":
			if v != "http://127.0.0.1:4318" {
				t.Fatalf("the example's endpoint is %q; the test replaces http://127.0.0.1:4318", v)
			}
			env[i] = k + "=" + recv.URL
		case "OTEL_SERVICE_NAME":
			service = v
		}
	}
	gh := githubfake.New(canary)
	t.Cleanup(gh.Close)
	rig, key := newGitHubRig(ctx, t, gh, "MCPGATE_DATA_DIR="+t.TempDir())
	rig.env = append(rig.env, env...)
	addr := rig.serve(ctx, t)
	s := tracedSession(t, "http://"+addr+"/mcp", key, traceparent(clientTrace, clientSpan))
	if res := call(t, s, "github_get_repo", map[string]any{"owner": "octocat", "repo": "hello-world"}); res.IsError {
		t.Fatalf("github_get_repo: %s", text(res))
	}
	s.Close()
	if err := rig.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-rig.exited:
	case <-ctx.Done():
		t.Fatal("serve did not exit on SIGTERM")
	}
	if rig.exitErr != nil {
		t.Fatalf("serve exited with %v:\n%s", rig.exitErr, rig.stderr)
	}
	if !strings.Contains(rig.stderr.String(), "tracing on") {
		t.Errorf("serve did not log that tracing is on:\n%s", rig.stderr)
	}
	var found bool
	for _, sp := range recv.spans() {
		if sp.Name == "tools/call github_get_repo" {
			found = true
			if sp.service != service || sp.trace() != clientTrace || sp.parent() != clientSpan || sp.attr("mcpgate.outcome") != "ok" {
				t.Errorf("span of service %q in trace %s under %s, outcome %q; want %q in %s under %s, ok",
					sp.service, sp.trace(), sp.parent(), sp.attr("mcpgate.outcome"), service, clientTrace, clientSpan)
			}
		}
	}
	if !found {
		t.Fatalf("no tools/call span was exported (%d spans)", len(recv.spans()))
	}
	raw := string(recv.bytes())
	if strings.Contains(raw, key) || strings.Contains(raw, canary) {
		t.Error("the app key or the GitHub token appears in the exported spans")
	}
}
