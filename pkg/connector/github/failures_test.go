package github_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/mcpgate/mcpgate/pkg/connector"
	"github.com/mcpgate/mcpgate/pkg/connector/github"
	"github.com/mcpgate/mcpgate/pkg/connector/github/githubfake"
	"github.com/mcpgate/mcpgate/pkg/secret"
)

func toolNames() []string {
	var names []string
	for n := range validArgs {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// TestUpstreamFailuresBecomeClearErrors runs every tool against every way
// GitHub (or what stands in front of it) can fail.
func TestUpstreamFailuresBecomeClearErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		failure  githubfake.Failure
		token    string // sent instead of the accepted one when set
		want     string
		wantKind error
	}{
		{"a wrong token is unauthorized", githubfake.None, "ghp_revoked", "check the token, or reconnect the connection", connector.ErrUnauthorized},
		{"an HTML page is unexpected", githubfake.Garbage, "", "unexpected response from GitHub (HTTP 200, content type text/html", nil},
		{"a server error keeps GitHub's message", githubfake.ServerError, "", "GitHub answered HTTP 500: Server Error", nil},
		{"a rate limit says when it resets", githubfake.RateLimit, "", "GitHub rate limit reached: API rate limit exceeded for user ID 1", github.ErrRateLimited},
		{"an echoed token is redacted", githubfake.EchoToken, "", "the token [redacted] is not valid", nil},
	}
	for _, tt := range tests {
		for _, tool := range toolNames() {
			t.Run(tt.name+"/"+tool, func(t *testing.T) {
				t.Parallel()
				fake, up := newFake(t)
				fake.FailNext(tt.failure, 1)
				if tt.token != "" {
					up.Credential = secret.FromString(tt.token)
				}
				got, err := call(t, up, tool, validArgs[tool])
				if err == nil {
					t.Fatalf("%s = %q, want an error", tool, got)
				}
				assertContains(t, err.Error(), tt.want)
				assertOmits(t, err.Error(), "ghp_revoked")
				if tt.wantKind != nil && !errors.Is(err, tt.wantKind) {
					t.Errorf("error %q is not %v", err, tt.wantKind)
				}
			})
		}
	}
}

func TestRateLimitNamesTheResetTime(t *testing.T) {
	t.Parallel()
	fake, up := newFake(t)
	fake.FailNext(githubfake.RateLimit, 1)
	_, err := call(t, up, "get_repo", validArgs["get_repo"])
	// The fake resets ten minutes on, in whole seconds.
	want := regexp.MustCompile(`; it resets at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ \(in (9m5\ds|10m0s)\)$`)
	if !want.MatchString(errText(err)) {
		t.Errorf("error = %q, want it to match %s", errText(err), want)
	}
}

func TestHangingGitHubTimesOut(t *testing.T) {
	t.Parallel()
	for _, tool := range toolNames() {
		t.Run(tool, func(t *testing.T) {
			t.Parallel()
			fake, up := newFake(t)
			fake.FailNext(githubfake.Hang, -1)
			up.HTTP = &http.Client{Timeout: 50 * time.Millisecond}
			start := time.Now()
			_, err := call(t, up, tool, validArgs[tool])
			if !errors.Is(err, github.ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("error = %v, want ErrTimeout and DeadlineExceeded", err)
			}
			assertContains(t, err.Error(), "GitHub did not answer in time")
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("took %v to time out", d)
			}
		})
	}
}

func TestContextDeadlineAndCancel(t *testing.T) {
	t.Parallel()
	fake, up := newFake(t)
	fake.FailNext(githubfake.Hang, -1)
	tl := toolNamed(t, "get_repo")

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	_, err := tl.Call(ctx, up, json.RawMessage(validArgs["get_repo"]))
	if !errors.Is(err, github.ErrTimeout) {
		t.Errorf("deadline: error = %v, want ErrTimeout", err)
	}

	ctx, cancel = context.WithCancel(context.Background())
	time.AfterFunc(30*time.Millisecond, cancel)
	_, err = tl.Call(ctx, up, json.RawMessage(validArgs["get_repo"]))
	if !errors.Is(err, context.Canceled) || !strings.Contains(errText(err), "canceled") {
		t.Errorf("cancel: error = %v, want context.Canceled", err)
	}
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
			_, err := call(t, up, tool, args)
			if !errors.Is(err, github.ErrNotFound) {
				t.Fatalf("error = %v, want ErrNotFound", err)
			}
			assertContains(t, err.Error(), "not found (or the token cannot see it)")
		})
	}
}

func TestEchoedTokenIsRedactedFromResults(t *testing.T) {
	t.Parallel()
	_, up := newFake(t)
	// A token pasted into an issue comes back in every read of it.
	args := `{"owner":"octocat","repo":"hello-world","title":"leak ` + canary + `","body":"my token is ` + canary + `"}`
	got, err := call(t, up, "create_issue", args)
	if err != nil {
		t.Fatal(err)
	}
	assertContains(t, got, "leak [redacted]")
	for _, tool := range []string{"get_issue", "list_issues", "search_issues"} {
		a := `{"owner":"octocat","repo":"hello-world","number":4}`
		switch tool {
		case "list_issues":
			a = `{"owner":"octocat","repo":"hello-world"}`
		case "search_issues":
			a = `{"q":"leak"}`
		}
		got, err := call(t, up, tool, a)
		if err != nil {
			t.Fatalf("%s: %v", tool, err)
		}
		assertContains(t, got, "[redacted]")
	}
}

func TestResultsAreTruncated(t *testing.T) {
	t.Parallel()
	_, up := newFake(t)
	up.MaxResultBytes = 120
	got, err := call(t, up, "get_file", validArgs["get_file"])
	if err != nil {
		t.Fatal(err)
	}
	head, note, ok := strings.Cut(got, "\n\n[truncated: ")
	if !ok || len(head) > 120 {
		t.Errorf("got %d bytes before the note (%q), want at most 120 and a truncation note", len(head), note)
	}
}

func TestNoCredentialIsRefusedWithoutARequest(t *testing.T) {
	t.Parallel()
	fake, up := newFake(t)
	up.Credential = secret.Value{}
	_, err := call(t, up, "get_repo", validArgs["get_repo"])
	assertContains(t, errText(err), "has no token; reconnect it")
	if fake.Requests() != 0 {
		t.Errorf("fake saw %d requests, want 0", fake.Requests())
	}
}
