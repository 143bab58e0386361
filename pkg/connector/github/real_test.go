package github_test

import (
	"fmt"
	"os"
	"regexp"
	"testing"
	"time"

	"github.com/mcpgate/mcpgate/pkg/connector/connectortest"
)

// real runs the tools against api.github.com when MCPGATE_TEST_GITHUB_TOKEN
// holds a token; MCPGATE_TEST_GITHUB_WRITE=1 adds the write tools against
// the scratch repository MCPGATE_TEST_GITHUB_SCRATCH_REPO (owner/name).
var real = connectortest.Real{Provider: "github", TokenEnv: "MCPGATE_TEST_GITHUB_TOKEN", WriteEnv: "MCPGATE_TEST_GITHUB_WRITE"}

// realRepo is the repository the read-only tools read:
// MCPGATE_TEST_GITHUB_REPO, or octocat/Hello-World.
func realRepo() (owner, name string) {
	if v := os.Getenv("MCPGATE_TEST_GITHUB_REPO"); v != "" {
		if m := regexp.MustCompile(`^([^/]+)/([^/]+)$`).FindStringSubmatch(v); m != nil {
			return m[1], m[2]
		}
	}
	return "octocat", "Hello-World"
}

func TestRealGitHubReads(t *testing.T) {
	up := real.Upstream(t)
	real.Identify(t, up)
	owner, name := realRepo()
	repo := fmt.Sprintf(`"owner":%q,"repo":%q`, owner, name)
	real.Call(t, up, "list_repos", `{"per_page":5}`)
	real.Call(t, up, "get_repo", "{"+repo+"}")
	real.Call(t, up, "list_issues", "{"+repo+`,"state":"all","per_page":5}`)
	real.Call(t, up, "list_pulls", "{"+repo+`,"state":"all","per_page":5}`)
	real.Call(t, up, "get_file", "{"+repo+`,"path":"README"}`)
	real.Call(t, up, "search_issues", fmt.Sprintf(`{"q":"repo:%s/%s is:issue","per_page":5}`, owner, name))
	real.Call(t, up, "search_code", fmt.Sprintf(`{"q":"hello repo:%s/%s","per_page":5}`, owner, name))
}

func TestRealGitHubWrites(t *testing.T) {
	up := real.Upstream(t)
	real.Writes(t)
	scratch := real.Env(t, "MCPGATE_TEST_GITHUB_SCRATCH_REPO", "a scratch repository owner/name the token may open issues in")
	m := regexp.MustCompile(`^([^/]+)/([^/]+)$`).FindStringSubmatch(scratch)
	if m == nil {
		t.Fatalf("MCPGATE_TEST_GITHUB_SCRATCH_REPO = %q, want owner/name", scratch)
	}
	repo := fmt.Sprintf(`"owner":%q,"repo":%q`, m[1], m[2])
	out := real.Call(t, up, "create_issue", "{"+repo+`,"title":"mcpgate real-service test `+time.Now().UTC().Format(time.RFC3339)+`","body":"Opened by mcpgate's tests; close it."}`)
	num := regexp.MustCompile(`#(\d+)`).FindStringSubmatch(out)
	if num == nil {
		t.Fatalf("create_issue did not name the issue: %s", out)
	}
	real.Call(t, up, "comment_issue", "{"+repo+`,"number":`+num[1]+`,"body":"A comment from mcpgate's tests."}`)
	real.Call(t, up, "get_issue", "{"+repo+`,"number":`+num[1]+`}`)
}
