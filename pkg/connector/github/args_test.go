package github_test

import (
	"testing"

	"github.com/mcpgate/mcpgate/pkg/connector/connectortest"
)

func TestBadArgumentsAreRefusedBeforeCallingGitHub(t *testing.T) {
	t.Parallel()
	suite.CheckRefused(t, []connectortest.ArgCase{
		{Name: "get_repo without owner", Tool: "get_repo", Args: `{"repo":"hello-world"}`, Want: "owner is required"},
		{Name: "get_repo without repo", Tool: "get_repo", Args: `{"owner":"octocat"}`, Want: "repo is required"},
		{Name: "get_repo with blank owner", Tool: "get_repo", Args: `{"owner":"  ","repo":"x"}`, Want: "owner is required"},
		{Name: "get_repo with no arguments", Tool: "get_repo", Args: ``, Want: "owner is required"},
		{Name: "get_repo with null arguments", Tool: "get_repo", Args: `null`, Want: "owner is required"},
		{Name: "get_repo with an array", Tool: "get_repo", Args: `[]`, Want: "arguments must be a JSON object"},
		{Name: "get_repo with broken JSON", Tool: "get_repo", Args: `{"owner":`, Want: "arguments are not valid JSON"},
		{Name: "get_repo with trailing data", Tool: "get_repo", Args: `{"owner":"o","repo":"r"} {}`, Want: "arguments must be a single JSON object"},
		{Name: "get_repo with a traversing owner", Tool: "get_repo", Args: `{"owner":"..","repo":"x"}`, Want: `owner ".." is not a valid GitHub name`},
		{Name: "get_repo with a slash in repo", Tool: "get_repo", Args: `{"owner":"octocat","repo":"a/b/c"}`, Want: `repo "a/b/c" is not a valid GitHub name`},
		{Name: "get_repo with a query in repo", Tool: "get_repo", Args: `{"owner":"octocat","repo":"x?y=1"}`, Want: "is not a valid GitHub name"},
		{Name: "get_repo with an unknown argument", Tool: "get_repo", Args: `{"owner":"o","repo":"r","token":"x"}`, Want: `unknown argument "token"`},
		{Name: "list_repos with a bad visibility", Tool: "list_repos", Args: `{"visibility":"secret"}`, Want: "visibility must be one of all, public, private"},
		{Name: "list_repos with a bad sort", Tool: "list_repos", Args: `{"sort":"stars"}`, Want: "sort must be one of created, updated, pushed, full_name"},
		{Name: "list_repos with per_page too big", Tool: "list_repos", Args: `{"per_page":500}`, Want: "argument per_page must be at most 100"},
		{Name: "list_repos with page zero or less", Tool: "list_repos", Args: `{"page":-1}`, Want: "argument page must be at least 1"},
		{Name: "list_repos with per_page as a string", Tool: "list_repos", Args: `{"per_page":"10"}`, Want: "argument per_page must be an integer, not a string"},
		{Name: "list_issues without repo", Tool: "list_issues", Args: `{"owner":"octocat"}`, Want: "repo is required"},
		{Name: "list_issues with a bad state", Tool: "list_issues", Args: `{"owner":"o","repo":"r","state":"merged"}`, Want: "state must be one of open, closed, all"},
		{Name: "list_issues with labels as a string", Tool: "list_issues", Args: `{"owner":"o","repo":"r","labels":"bug"}`, Want: "argument labels must be an array of strings"},
		{Name: "list_issues with a comma in a label", Tool: "list_issues", Args: `{"owner":"o","repo":"r","labels":["a,b"]}`, Want: "labels must be separate strings"},
		{Name: "get_issue without number", Tool: "get_issue", Args: `{"owner":"o","repo":"r"}`, Want: "number is required"},
		{Name: "get_issue with a negative number", Tool: "get_issue", Args: `{"owner":"o","repo":"r","number":-3}`, Want: "argument number must be at least 1"},
		{Name: "get_issue with a fractional number", Tool: "get_issue", Args: `{"owner":"o","repo":"r","number":1.5}`, Want: "argument number must be an integer"},
		{Name: "create_issue without title", Tool: "create_issue", Args: `{"owner":"o","repo":"r","body":"b"}`, Want: "title is required"},
		{Name: "create_issue without owner", Tool: "create_issue", Args: `{"repo":"r","title":"t"}`, Want: "owner is required"},
		{Name: "comment_issue without body", Tool: "comment_issue", Args: `{"owner":"o","repo":"r","number":1}`, Want: "body is required"},
		{Name: "comment_issue without number", Tool: "comment_issue", Args: `{"owner":"o","repo":"r","body":"b"}`, Want: "number is required"},
		{Name: "list_pulls with a bad state", Tool: "list_pulls", Args: `{"owner":"o","repo":"r","state":"merged"}`, Want: "state must be one of open, closed, all"},
		{Name: "get_pull without number", Tool: "get_pull", Args: `{"owner":"o","repo":"r"}`, Want: "number is required"},
		{Name: "get_file without path", Tool: "get_file", Args: `{"owner":"o","repo":"r"}`, Want: "path is required"},
		{Name: "get_file climbing out of contents", Tool: "get_file", Args: `{"owner":"o","repo":"r","path":"../../../user"}`, Want: "is not a plain file path"},
		{Name: "get_file with an empty segment", Tool: "get_file", Args: `{"owner":"o","repo":"r","path":"docs//guide.md"}`, Want: "is not a plain file path"},
		{Name: "search_issues without q", Tool: "search_issues", Args: `{}`, Want: "q is required"},
		{Name: "search_code with blank q", Tool: "search_code", Args: `{"q":"  "}`, Want: "q is required"},
		{Name: "search_code with per_page zero", Tool: "search_code", Args: `{"q":"x","per_page":-1}`, Want: "argument per_page must be at least 1"},
	})
}

func TestGetFileRefusesWhatIsNotText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, args string
		want       []string
	}{
		{"a directory lists its entries", `{"owner":"octocat","repo":"hello-world","path":"docs"}`,
			[]string{"docs in octocat/hello-world is a directory, not a file; call get_file with one of its entries: docs/guide.md"}},
		{"the root is not a file path", `{"owner":"octocat","repo":"hello-world","path":"/"}`,
			[]string{"path is required"}},
		{"a binary file", `{"owner":"octocat","repo":"hello-world","path":"logo.png"}`,
			[]string{"logo.png in octocat/hello-world is a binary file", "only returns text"}},
		{"a missing file", `{"owner":"octocat","repo":"hello-world","path":"nope.txt"}`,
			[]string{"not found (or the token cannot see it)"}},
		{"an unknown ref", `{"owner":"octocat","repo":"hello-world","path":"README.md","ref":"no-such-branch"}`,
			[]string{"not found (or the token cannot see it)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, up := newFake(t)
			got, err := suite.Call(t, up, "get_file", tt.args)
			if err == nil {
				t.Fatalf("get_file(%s) = %q, want an error", tt.args, got)
			}
			connectortest.AssertContains(t, err.Error(), tt.want...)
		})
	}
}
