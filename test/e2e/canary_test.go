package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/mcpgate/mcpgate/pkg/connector/github/githubfake"
	"github.com/mcpgate/mcpgate/pkg/store"
)

// TestCanaryAppearsNowhere drives every kind of call, including an upstream
// that echoes the token back and one that fails, then looks for the token
// in everything the gateway produced: MCP responses, tool results, errors,
// logs, audit records, and the raw database files.
func TestCanaryAppearsNowhere(t *testing.T) {
	g := startGateway(t, "MCPGATE_LIMITS_UPSTREAM_TIMEOUT=2s")
	s := g.session(t)
	ctx := context.Background()

	tools, err := s.ListTools(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	calls := []struct {
		tool string
		args map[string]any
		fail githubfake.Failure
	}{
		{"github_list_repos", map[string]any{}, githubfake.None},
		{"github_get_file", map[string]any{"owner": "octocat", "repo": "hello-world", "path": "README.md"}, githubfake.None},
		{"github_search_code", map[string]any{"q": "NewClient"}, githubfake.None},
		{"github_get_repo", map[string]any{"owner": "octocat", "repo": "hello-world"}, githubfake.EchoToken},
		{"github_get_repo", map[string]any{"owner": "octocat", "repo": "hello-world"}, githubfake.ServerError},
		{"github_get_repo", map[string]any{"owner": "octocat", "repo": "hello-world"}, githubfake.Garbage},
		{"github_get_repo", map[string]any{"owner": "octocat", "repo": "hello-world"}, githubfake.Hang},
		// A model trying to smuggle the token out through arguments gets
		// nothing: no tool takes or returns credentials.
		{"github_search_issues", map[string]any{"q": "token"}, githubfake.None},
	}
	var results []string
	for _, c := range calls {
		g.GH.FailNext(c.fail, 1)
		r := call(t, s, c.tool, c.args)
		if c.fail != githubfake.None && !r.IsError {
			t.Errorf("%s with upstream failure %d: not an error result", c.tool, c.fail)
		}
		results = append(results, text(r))
	}
	g.GH.FailNext(githubfake.None, 0)

	tl, _ := json.Marshal(tools)
	audit, err := g.App.Store.User(g.Owner.ID).ListAudit(ctx, store.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	auditJSON, _ := json.Marshal(audit)
	places := map[string]string{
		"tools/list":    string(tl),
		"tool results":  strings.Join(results, "\n"),
		"wire":          g.Wire.String(),
		"logs":          g.Logs.String(),
		"audit records": string(auditJSON),
	}
	for _, suffix := range []string{"", "-wal", "-shm"} {
		if b, err := os.ReadFile(g.DBPath + suffix); err == nil {
			places["database file mcpgate.db"+suffix] = string(b)
		}
	}
	for where, content := range places {
		if strings.Contains(content, canary) || strings.Contains(content, canary[4:20]) {
			t.Errorf("the canary token appears in %s", where)
		}
	}
	if !strings.Contains(strings.Join(results, "\n"), "[redacted]") {
		t.Error("the echoed token was not replaced with [redacted]")
	}
	if len(g.Logs.String()) == 0 || !bytes.Contains([]byte(g.Wire.String()), []byte("hello-world")) {
		t.Error("the test captured nothing; it would pass vacuously")
	}
	// The token did reach GitHub itself.
	if got := g.GH.LastHeaders().Get("Authorization"); !strings.Contains(got, canary) {
		t.Errorf("GitHub saw Authorization %q, want the token", got)
	}
}

// TestAuditFailureWithholdsResult breaks the audit table under a running
// gateway: the call must fail, and its result must not reach the model.
func TestAuditFailureWithholdsResult(t *testing.T) {
	g := startGateway(t)
	s := g.session(t)
	breakAudit(t, g)
	r := call(t, s, "github_get_repo", map[string]any{"owner": "octocat", "repo": "hello-world"})
	if !r.IsError || strings.Contains(text(r), "hello-world") {
		t.Fatalf("with the audit log broken: isError=%v text=%q", r.IsError, text(r))
	}
	if !strings.Contains(text(r), "audit") {
		t.Errorf("the error does not say why: %q", text(r))
	}
}
