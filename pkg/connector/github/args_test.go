package github_test

import (
	"testing"
)

func TestBadArgumentsAreRefusedBeforeCallingGitHub(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, tool, args, want string
	}{
		{"get_repo without owner", "get_repo", `{"repo":"hello-world"}`, "owner is required"},
		{"get_repo without repo", "get_repo", `{"owner":"octocat"}`, "repo is required"},
		{"get_repo with blank owner", "get_repo", `{"owner":"  ","repo":"x"}`, "owner is required"},
		{"get_repo with no arguments", "get_repo", ``, "owner is required"},
		{"get_repo with null arguments", "get_repo", `null`, "owner is required"},
		{"get_repo with an array", "get_repo", `[]`, "arguments must be a JSON object"},
		{"get_repo with broken JSON", "get_repo", `{"owner":`, "arguments are not valid JSON"},
		{"get_repo with trailing data", "get_repo", `{"owner":"o","repo":"r"} {}`, "arguments must be a single JSON object"},
		{"get_repo with a traversing owner", "get_repo", `{"owner":"..","repo":"x"}`, `owner ".." is not a valid GitHub name`},
		{"get_repo with a slash in repo", "get_repo", `{"owner":"octocat","repo":"a/b/c"}`, `repo "a/b/c" is not a valid GitHub name`},
		{"get_repo with a query in repo", "get_repo", `{"owner":"octocat","repo":"x?y=1"}`, "is not a valid GitHub name"},
		{"get_repo with an unknown argument", "get_repo", `{"owner":"o","repo":"r","token":"x"}`, `unknown argument "token"`},
		{"list_repos with a bad visibility", "list_repos", `{"visibility":"secret"}`, "visibility must be one of all, public, private"},
		{"list_repos with a bad sort", "list_repos", `{"sort":"stars"}`, "sort must be one of created, updated, pushed, full_name"},
		{"list_repos with per_page too big", "list_repos", `{"per_page":500}`, "per_page must be between 1 and 100"},
		{"list_repos with page zero or less", "list_repos", `{"page":-1}`, "page must be 1 or more"},
		{"list_repos with per_page as a string", "list_repos", `{"per_page":"10"}`, "argument per_page must be an integer, not string"},
		{"list_issues without repo", "list_issues", `{"owner":"octocat"}`, "repo is required"},
		{"list_issues with a bad state", "list_issues", `{"owner":"o","repo":"r","state":"merged"}`, "state must be one of open, closed, all"},
		{"list_issues with labels as a string", "list_issues", `{"owner":"o","repo":"r","labels":"bug"}`, "argument labels must be an array of strings"},
		{"list_issues with a comma in a label", "list_issues", `{"owner":"o","repo":"r","labels":["a,b"]}`, "labels must be separate strings"},
		{"get_issue without number", "get_issue", `{"owner":"o","repo":"r"}`, "number is required"},
		{"get_issue with a negative number", "get_issue", `{"owner":"o","repo":"r","number":-3}`, "number must be a positive integer"},
		{"get_issue with a fractional number", "get_issue", `{"owner":"o","repo":"r","number":1.5}`, "argument number must be an integer"},
		{"create_issue without title", "create_issue", `{"owner":"o","repo":"r","body":"b"}`, "title is required"},
		{"create_issue without owner", "create_issue", `{"repo":"r","title":"t"}`, "owner is required"},
		{"comment_issue without body", "comment_issue", `{"owner":"o","repo":"r","number":1}`, "body is required"},
		{"comment_issue without number", "comment_issue", `{"owner":"o","repo":"r","body":"b"}`, "number is required"},
		{"list_pulls with a bad state", "list_pulls", `{"owner":"o","repo":"r","state":"merged"}`, "state must be one of open, closed, all"},
		{"get_pull without number", "get_pull", `{"owner":"o","repo":"r"}`, "number is required"},
		{"get_file without path", "get_file", `{"owner":"o","repo":"r"}`, "path is required"},
		{"get_file climbing out of contents", "get_file", `{"owner":"o","repo":"r","path":"../../../user"}`, "is not a plain file path"},
		{"get_file with an empty segment", "get_file", `{"owner":"o","repo":"r","path":"docs//guide.md"}`, "is not a plain file path"},
		{"search_issues without q", "search_issues", `{}`, "q is required"},
		{"search_code with blank q", "search_code", `{"q":"  "}`, "q is required"},
		{"search_code with per_page zero", "search_code", `{"q":"x","per_page":-1}`, "per_page must be between 1 and 100"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fake, up := newFake(t)
			got, err := call(t, up, tt.tool, tt.args)
			if err == nil {
				t.Fatalf("%s(%s) = %q, want error %q", tt.tool, tt.args, got, tt.want)
			}
			assertContains(t, err.Error(), tt.want)
			if n := fake.Requests(); n != 0 {
				t.Errorf("fake saw %d requests, want none for bad arguments", n)
			}
		})
	}
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
			got, err := call(t, up, "get_file", tt.args)
			if err == nil {
				t.Fatalf("get_file(%s) = %q, want an error", tt.args, got)
			}
			assertContains(t, err.Error(), tt.want...)
		})
	}
}
