package github_test

import (
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/mcpgate/mcpgate/pkg/connector"
	"github.com/mcpgate/mcpgate/pkg/connector/connectortest"
	"github.com/mcpgate/mcpgate/pkg/connector/fakekit"
	"github.com/mcpgate/mcpgate/pkg/connector/github"
	"github.com/mcpgate/mcpgate/pkg/connector/github/githubfake"
	"github.com/mcpgate/mcpgate/pkg/secret"
)

// TestUpstreamFailuresBecomeClearErrors runs every tool against every way
// GitHub (or what stands in front of it) can fail.
func TestUpstreamFailuresBecomeClearErrors(t *testing.T) {
	t.Parallel()
	suite.CheckFailures(t, connectortest.FailureMatrix[*githubfake.Server]{
		Cases: []connectortest.FailureCase[*githubfake.Server]{
			{Name: "a wrong token is unauthorized", Token: "ghp_revoked", Want: "check the token, or reconnect the connection", Kind: connector.ErrUnauthorized},
			{Name: "an HTML page is unexpected", Failure: fakekit.Garbage, Want: "unexpected response from GitHub (HTTP 200, content type text/html"},
			{Name: "a server error keeps GitHub's message", Failure: fakekit.ServerError, Want: "GitHub answered HTTP 500: Server Error"},
			{Name: "a rate limit says when it resets", Failure: fakekit.RateLimit, Want: "GitHub rate limit reached: API rate limit exceeded for user ID 1", Kind: github.ErrRateLimited},
			{Name: "an echoed token is redacted", Failure: fakekit.EchoToken, Want: "the token [redacted] is not valid"},
		},
		Omit: []string{"ghp_revoked"},
	})
}

func TestRateLimitNamesTheResetTime(t *testing.T) {
	t.Parallel()
	fake, up := newFake(t)
	fake.FailNext(fakekit.RateLimit, 1)
	_, err := suite.Call(t, up, "get_repo", validArgs["get_repo"])
	// The fake resets ten minutes on, in whole seconds.
	want := regexp.MustCompile(`; it resets at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ \(in (9m5\ds|10m0s)\)$`)
	if !want.MatchString(connectortest.ErrText(err)) {
		t.Errorf("error = %q, want it to match %s", connectortest.ErrText(err), want)
	}
}

func TestHangingGitHubTimesOut(t *testing.T) {
	t.Parallel()
	suite.CheckTimeouts(t, github.ErrTimeout, func(string) string { return "GitHub did not answer in time" })
}

func TestContextDeadlineAndCancel(t *testing.T) {
	t.Parallel()
	suite.CheckDeadline(t, "get_repo", github.ErrTimeout)
	connectortest.AssertContains(t, connectortest.ErrText(suite.CheckCancel(t, "get_repo")), "canceled")
}

func TestMissingThingsAreNotFound(t *testing.T) {
	t.Parallel()
	missing := map[string]string{
		"get_repo":      `{"owner":"octocat","repo":"nope"}`,
		"list_issues":   `{"owner":"octocat","repo":"nope"}`,
		"get_issue":     `{"owner":"octocat","repo":"hello-world","number":99}`,
		"create_issue":  `{"owner":"someone-else","repo":"hello-world","title":"t"}`,
		"comment_issue": `{"owner":"octocat","repo":"hello-world","number":99,"body":"b"}`,
		"list_pulls":    `{"owner":"octocat","repo":"nope"}`,
		"get_pull":      `{"owner":"octocat","repo":"hello-world","number":1}`,
		"get_file":      `{"owner":"octocat","repo":"nope","path":"README.md"}`,
	}
	for tool, args := range missing {
		t.Run(tool, func(t *testing.T) {
			t.Parallel()
			_, up := newFake(t)
			_, err := suite.Call(t, up, tool, args)
			if !errors.Is(err, github.ErrNotFound) {
				t.Fatalf("error = %v, want ErrNotFound", err)
			}
			connectortest.AssertContains(t, err.Error(), "not found (or the token cannot see it)")
		})
	}
}

func TestEchoedTokenIsRedactedFromResults(t *testing.T) {
	t.Parallel()
	_, up := newFake(t)
	// A token pasted into an issue comes back in every read of it.
	args := `{"owner":"octocat","repo":"hello-world","title":"leak ` + canary + `","body":"my token is ` + canary + `"}`
	got, err := suite.Call(t, up, "create_issue", args)
	if err != nil {
		t.Fatal(err)
	}
	connectortest.AssertContains(t, got, "leak [redacted]")
	for _, tool := range []string{"get_issue", "list_issues", "search_issues"} {
		a := `{"owner":"octocat","repo":"hello-world","number":4}`
		switch tool {
		case "list_issues":
			a = `{"owner":"octocat","repo":"hello-world"}`
		case "search_issues":
			a = `{"q":"leak"}`
		}
		got, err := suite.Call(t, up, tool, a)
		if err != nil {
			t.Fatalf("%s: %v", tool, err)
		}
		connectortest.AssertContains(t, got, "[redacted]")
	}
}

// The gateway truncates results, once, with the key's limit; a connector
// returns the whole text.
func TestResultsAreLeftWholeForTheGateway(t *testing.T) {
	t.Parallel()
	_, up := newFake(t)
	up.MaxResultBytes = 120
	got, err := suite.Call(t, up, "get_file", validArgs["get_file"])
	if err != nil {
		t.Fatal(err)
	}
	if len(got) <= 120 || strings.Contains(got, "[truncated: ") {
		t.Errorf("got %d bytes (%q), want the whole file, untruncated", len(got), got)
	}
}

func TestNoCredentialIsRefusedWithoutARequest(t *testing.T) {
	t.Parallel()
	fake, up := newFake(t)
	up.Credential = secret.Value{}
	_, err := suite.Call(t, up, "get_repo", validArgs["get_repo"])
	connectortest.AssertContains(t, connectortest.ErrText(err), "has no token; reconnect it")
	if fake.Requests() != 0 {
		t.Errorf("fake saw %d requests, want 0", fake.Requests())
	}
}
