package github_test

import (
	"testing"

	"github.com/mcpgate/mcpgate/pkg/connector/connectortest"
)

func TestToolsAnswerFromGitHub(t *testing.T) {
	t.Parallel()
	tests := []connectortest.ToolCase{
		{Name: "list_repos lists every repository", Tool: "list_repos", Args: `{}`,
			Want: []string{"2 repositories", "octocat/hello-world [public] — My first repository on GitHub! · https://github.com/octocat/hello-world", "octocat/secret-plans [private]"}},
		{Name: "list_repos filters by visibility", Tool: "list_repos", Args: `{"visibility":"private"}`,
			Want: []string{"1 repository", "octocat/secret-plans"}, Omit: []string{"hello-world"}},
		{Name: "list_repos says there is a next page", Tool: "list_repos", Args: `{"per_page":1,"sort":"full_name"}`,
			Want: []string{"octocat/hello-world", "More results: call again with page=2."}, Omit: []string{"secret-plans"}},
		{Name: "list_repos reads a later page", Tool: "list_repos", Args: `{"per_page":1,"page":2}`,
			Want: []string{"octocat/secret-plans"}, Omit: []string{"hello-world", "More results"}},
		{Name: "get_repo shows the details", Tool: "get_repo", Args: `{"owner":"octocat","repo":"hello-world"}`,
			Want: []string{"octocat/hello-world (public)", "Default branch: main", "Language: Go", "Stars: 80", "Topics: example, octocat"}},
		{Name: "get_repo forgives owner/name in repo", Tool: "get_repo", Args: `{"owner":"octocat","repo":"octocat/hello-world"}`,
			Want: []string{"octocat/hello-world (public)"}},
		{Name: "list_issues leaves out pull requests", Tool: "list_issues", Args: `{"owner":"octocat","repo":"hello-world"}`,
			Want: []string{"1 issue in octocat/hello-world (state open); 1 pull request left out", "#1 [open] Found a bug — by octocat · labels: bug · 2 comments"},
			Omit: []string{"#2", "#3"}},
		{Name: "list_issues with state all", Tool: "list_issues", Args: `{"owner":"octocat","repo":"hello-world","state":"all"}`,
			Want: []string{"2 issues", "#1 [open]", "#3 [closed] Typo in the guide"}, Omit: []string{"#2 "}},
		{Name: "list_issues filters by label", Tool: "list_issues", Args: `{"owner":"octocat","repo":"hello-world","state":"all","labels":["docs"]}`,
			Want: []string{"1 issue", "#3"}, Omit: []string{"#1 "}},
		{Name: "get_issue shows the text", Tool: "get_issue", Args: `{"owner":"octocat","repo":"hello-world","number":1}`,
			Want: []string{"octocat/hello-world#1: Found a bug", "State: open", "Author: octocat", "Labels: bug", "Comments: 2", "URL: https://github.com/octocat/hello-world/issues/1", "The greeting is printed twice."}},
		{Name: "get_issue explains a closed issue", Tool: "get_issue", Args: `{"owner":"octocat","repo":"hello-world","number":3}`,
			Want: []string{"State: closed (completed)", "Closed: "}},
		{Name: "get_issue points a pull request to get_pull", Tool: "get_issue", Args: `{"owner":"octocat","repo":"hello-world","number":2}`,
			Want: []string{"This is a pull request; get_pull"}},
		{Name: "list_pulls shows branches", Tool: "list_pulls", Args: `{"owner":"octocat","repo":"hello-world"}`,
			Want: []string{"1 pull request in octocat/hello-world (state open)", "#2 [open] Add a friendlier greeting — by octocat · octocat:greeting → main", "https://github.com/octocat/hello-world/pull/2"}},
		{Name: "list_pulls with state closed", Tool: "list_pulls", Args: `{"owner":"octocat","repo":"hello-world","state":"closed"}`,
			Want: []string{"0 pull requests"}, Omit: []string{"#2"}},
		{Name: "get_pull shows merge state and size", Tool: "get_pull", Args: `{"owner":"octocat","repo":"hello-world","number":2}`,
			Want: []string{"pull request #2: Add a friendlier greeting", "Branches: octocat:greeting → octocat:main", "Mergeable: yes", "Change: 3 commits, 2 files, +42 −7", "Says hello in three languages."}},
		{Name: "get_file decodes wrapped base64", Tool: "get_file", Args: `{"owner":"octocat","repo":"hello-world","path":"README.md"}`,
			Want: []string{"File README.md in octocat/hello-world (", "# Hello World", "sixty columns. Héllo ✓"}},
		{Name: "get_file reads a nested path at a ref", Tool: "get_file", Args: `{"owner":"octocat","repo":"hello-world","path":"/docs/guide.md","ref":"main"}`,
			Want: []string{"File docs/guide.md in octocat/hello-world at main", "Call NewClient to start."}},
		{Name: "search_issues finds issues and pulls", Tool: "search_issues", Args: `{"q":"greeting"}`,
			Want: []string{"2 results", "octocat/hello-world#2 [open] Add a friendlier greeting (pull request)", "octocat/hello-world#1 [open] Found a bug"}},
		{Name: "search_issues honours qualifiers", Tool: "search_issues", Args: `{"q":"repo:octocat/hello-world is:issue greeting","per_page":5}`,
			Want: []string{"1 result", "#1"}, Omit: []string{"#2"}},
		{Name: "search_issues says how many it shows", Tool: "search_issues", Args: `{"q":"is:issue","per_page":1}`,
			Want: []string{"2 results (showing 1)"}},
		{Name: "search_code finds files", Tool: "search_code", Args: `{"q":"NewClient"}`,
			Want: []string{"2 results", "octocat/hello-world: docs/guide.md · https://github.com/octocat/hello-world/blob/main/docs/guide.md", "octocat/hello-world: src/main.go"}},
		{Name: "search_code with no match", Tool: "search_code", Args: `{"q":"nothing-matches-this"}`,
			Want: []string{"0 results"}},
	}
	suite.CheckResults(t, tests)
}

func TestCreateIssueIsStored(t *testing.T) {
	t.Parallel()
	_, up := newFake(t)
	got, err := suite.Call(t, up, "create_issue", `{"owner":"octocat","repo":"hello-world","title":"Crash on start","body":"Steps: run it.","labels":["bug","new-label"],"assignees":["octocat"]}`)
	if err != nil {
		t.Fatalf("create_issue: %v", err)
	}
	connectortest.AssertContains(t, got, "Created issue octocat/hello-world#4: Crash on start", "URL: https://github.com/octocat/hello-world/issues/4")

	got, err = suite.Call(t, up, "get_issue", `{"owner":"octocat","repo":"hello-world","number":4}`)
	if err != nil {
		t.Fatalf("get_issue: %v", err)
	}
	connectortest.AssertContains(t, got, "Crash on start", "Labels: bug, new-label", "Assignees: octocat", "Steps: run it.")

	got, err = suite.Call(t, up, "list_issues", `{"owner":"octocat","repo":"hello-world"}`)
	if err != nil {
		t.Fatalf("list_issues: %v", err)
	}
	connectortest.AssertContains(t, got, "2 issues", "#4 [open] Crash on start")
}

func TestCommentIssueIsStored(t *testing.T) {
	t.Parallel()
	fake, up := newFake(t)
	got, err := suite.Call(t, up, "comment_issue", `{"owner":"octocat","repo":"hello-world","number":1,"body":"I see it too."}`)
	if err != nil {
		t.Fatalf("comment_issue: %v", err)
	}
	connectortest.AssertContains(t, got, "Commented on octocat/hello-world#1 (comment ", "URL: https://github.com/octocat/hello-world/issues/1#issuecomment-")
	bodies := fake.CommentBodies("octocat", "hello-world", 1)
	if len(bodies) != 3 || bodies[2] != "I see it too." {
		t.Errorf("comments = %q, want the new one last of 3", bodies)
	}
	got, _ = suite.Call(t, up, "get_issue", `{"owner":"octocat","repo":"hello-world","number":1}`)
	connectortest.AssertContains(t, got, "Comments: 3")
}
