package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/mcpgate/mcpgate/pkg/connector/github/githubfake"
	"github.com/mcpgate/mcpgate/pkg/store"
)

func TestToolsAreListedWithSchemasAndAnnotations(t *testing.T) {
	g := startGateway(t)
	s := g.session(t)
	res, err := s.ListTools(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]bool{}
	for _, tool := range res.Tools {
		byName[tool.Name] = true
		if tool.InputSchema == nil || tool.Description == "" || tool.Annotations == nil {
			t.Errorf("tool %s lacks a schema, description or annotations", tool.Name)
		}
		if tool.Name == "github_list_issues" && !tool.Annotations.ReadOnlyHint {
			t.Errorf("github_list_issues is not annotated read-only")
		}
		if tool.Name == "github_create_issue" && tool.Annotations.ReadOnlyHint {
			t.Errorf("github_create_issue is annotated read-only")
		}
	}
	for _, want := range []string{"github_list_repos", "github_get_repo", "github_list_issues", "github_get_issue",
		"github_create_issue", "github_comment_issue", "github_list_pulls", "github_get_pull", "github_get_file",
		"github_search_issues", "github_search_code"} {
		if !byName[want] {
			t.Errorf("tools/list lacks %s", want)
		}
	}
}

func TestCallsReachGitHubAndAreAudited(t *testing.T) {
	g := startGateway(t)
	s := g.session(t)

	r := call(t, s, "github_list_issues", map[string]any{"owner": "octocat", "repo": "hello-world"})
	if r.IsError || !strings.Contains(text(r), "Found a bug") {
		t.Fatalf("list_issues: isError=%v text=%q", r.IsError, text(r))
	}
	r = call(t, s, "github_create_issue", map[string]any{"owner": "octocat", "repo": "hello-world", "title": "Made through mcpgate", "body": "hello"})
	if r.IsError {
		t.Fatalf("create_issue: %s", text(r))
	}
	r = call(t, s, "github_list_issues", map[string]any{"owner": "octocat", "repo": "hello-world"})
	if !strings.Contains(text(r), "Made through mcpgate") {
		t.Fatalf("the created issue is not listed: %s", text(r))
	}
	r = call(t, s, "github_get_issue", map[string]any{"owner": "octocat", "repo": "hello-world"})
	if !r.IsError || !strings.Contains(text(r), "number") {
		t.Fatalf("a call without a required argument: isError=%v text=%q", r.IsError, text(r))
	}

	recs, err := g.App.Store.User(g.Owner.ID).ListAudit(context.Background(), store.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 4 {
		t.Fatalf("audit holds %d records, want 4", len(recs))
	}
	create := recs[2] // newest first
	if create.Tool != "github_create_issue" || create.Outcome != "ok" || create.Decision != "allow" {
		t.Errorf("create record = %+v", create)
	}
	if strings.Contains(create.Arguments, "hello\"") || !strings.Contains(create.Arguments, "sha256") {
		t.Errorf("the body argument was stored, not redacted: %s", create.Arguments)
	}
	if !strings.Contains(create.Arguments, "Made through mcpgate") {
		t.Errorf("the title argument is missing: %s", create.Arguments)
	}
	if recs[0].Outcome != "denied" || recs[0].Rule != "invalid-arguments" || !strings.Contains(recs[0].Error, "argument number is required") {
		t.Errorf("refused call record = %+v", recs[0])
	}
	if recs[0].PrevHash != recs[1].Hash {
		t.Errorf("audit chain broken: %q != %q", recs[0].PrevHash, recs[1].Hash)
	}
}

// TestAddedConnectionShowsOnNextRequest runs the real binary: with serve
// running and a client session open, `mcpgate connect add` (another
// process, on the database directly) adds a second GitHub connection, and
// the same session's next tools/list names its tools.
func TestAddedConnectionShowsOnNextRequest(t *testing.T) {
	mcpgateBinary(t) // built before the clock starts
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	gh := githubfake.New(canary)
	t.Cleanup(gh.Close)
	rig, key := newGitHubRig(ctx, t, gh, "MCPGATE_DATA_DIR="+t.TempDir())
	addr := rig.serve(ctx, t)
	s := rig.session(ctx, t, addr, key)
	prefixed := func() map[string]int {
		res, err := s.ListTools(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		n := map[string]int{}
		for _, tool := range res.Tools {
			n[strings.SplitN(tool.Name, "_", 2)[0]]++
		}
		return n
	}
	before := prefixed()
	if before["github"] == 0 || before["work"] != 0 {
		t.Fatalf("before adding: tools per connection %v, want github's only", before)
	}
	rig.cli(ctx, t, canary+"\n", "connect", "add", "github", "--name", "work", "--token-stdin")
	after := prefixed()
	if after["work"] != before["github"] || after["github"] != before["github"] {
		t.Fatalf("after `connect add github --name work` with serve running: tools per connection %v, want %d for each of github and work", after, before["github"])
	}
	if r, err := s.CallTool(ctx, toolParams("work_get_repo", helloRepo)); err != nil || r.IsError {
		t.Fatalf("calling the added connection's tool: %v %v", err, r)
	}
}

// TestRemovedConnectionLeavesOnNextRequest: a connection removed while a
// session is open has no tools on that session's next tools/list.
func TestRemovedConnectionLeavesOnNextRequest(t *testing.T) {
	g := startGateway(t)
	s := g.session(t)
	if _, err := g.App.RemoveConnection(context.Background(), g.Owner, "github", false); err != nil {
		t.Fatal(err)
	}
	res, err := s.ListTools(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Tools) != 0 {
		t.Fatalf("after removing the connection, %d tools are still listed", len(res.Tools))
	}
}
