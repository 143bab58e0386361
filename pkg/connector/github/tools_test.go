package github_test

import (
	"testing"
)

func TestToolsAnswerFromGitHub(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, tool, args string
		want, omit       []string
	}{
		{"list_repos lists every repository", "list_repos", `{}`,
			[]string{"2 repositories", "octocat/hello-world [public] — My first repository on GitHub! · https://github.com/octocat/hello-world", "octocat/secret-plans [private]"}, nil},
		{"list_repos filters by visibility", "list_repos", `{"visibility":"private"}`,
			[]string{"1 repository", "octocat/secret-plans"}, []string{"hello-world"}},
		{"list_repos says there is a next page", "list_repos", `{"per_page":1,"sort":"full_name"}`,
			[]string{"octocat/hello-world", "More results: call again with page=2."}, []string{"secret-plans"}},
		{"list_repos reads a later page", "list_repos", `{"per_page":1,"page":2}`,
			[]string{"octocat/secret-plans"}, []string{"hello-world", "More results"}},
		{"get_repo shows the details", "get_repo", `{"owner":"octocat","repo":"hello-world"}`,
			[]string{"octocat/hello-world (public)", "Default branch: main", "Language: Go", "Stars: 80", "Topics: example, octocat"}, nil},
		{"get_repo forgives owner/name in repo", "get_repo", `{"owner":"octocat","repo":"octocat/hello-world"}`,
			[]string{"octocat/hello-world (public)"}, nil},
		{"list_issues leaves out pull requests", "list_issues", `{"owner":"octocat","repo":"hello-world"}`,
			[]string{"1 issue in octocat/hello-world (state open); 1 pull request left out", "#1 [open] Found a bug — by octocat · labels: bug · 2 comments"},
			[]string{"#2", "#3"}},
		{"list_issues with state all", "list_issues", `{"owner":"octocat","repo":"hello-world","state":"all"}`,
			[]string{"2 issues", "#1 [open]", "#3 [closed] Typo in the guide"}, []string{"#2 "}},
		{"list_issues filters by label", "list_issues", `{"owner":"octocat","repo":"hello-world","state":"all","labels":["docs"]}`,
			[]string{"1 issue", "#3"}, []string{"#1 "}},
		{"get_issue shows the text", "get_issue", `{"owner":"octocat","repo":"hello-world","number":1}`,
			[]string{"octocat/hello-world#1: Found a bug", "State: open", "Author: octocat", "Labels: bug", "Comments: 2", "URL: https://github.com/octocat/hello-world/issues/1", "The greeting is printed twice."}, nil},
		{"get_issue explains a closed issue", "get_issue", `{"owner":"octocat","repo":"hello-world","number":3}`,
			[]string{"State: closed (completed)", "Closed: "}, nil},
		{"get_issue points a pull request to get_pull", "get_issue", `{"owner":"octocat","repo":"hello-world","number":2}`,
			[]string{"This is a pull request; get_pull"}, nil},
		{"list_pulls shows branches", "list_pulls", `{"owner":"octocat","repo":"hello-world"}`,
			[]string{"1 pull request in octocat/hello-world (state open)", "#2 [open] Add a friendlier greeting — by octocat · octocat:greeting → main", "https://github.com/octocat/hello-world/pull/2"}, nil},
		{"list_pulls with state closed", "list_pulls", `{"owner":"octocat","repo":"hello-world","state":"closed"}`,
			[]string{"0 pull requests"}, []string{"#2"}},
		{"get_pull shows merge state and size", "get_pull", `{"owner":"octocat","repo":"hello-world","number":2}`,
			[]string{"pull request #2: Add a friendlier greeting", "Branches: octocat:greeting → octocat:main", "Mergeable: yes", "Change: 3 commits, 2 files, +42 −7", "Says hello in three languages."}, nil},
		{"get_file decodes wrapped base64", "get_file", `{"owner":"octocat","repo":"hello-world","path":"README.md"}`,
			[]string{"File README.md in octocat/hello-world (", "# Hello World", "sixty columns. Héllo ✓"}, nil},
		{"get_file reads a nested path at a ref", "get_file", `{"owner":"octocat","repo":"hello-world","path":"/docs/guide.md","ref":"main"}`,
			[]string{"File docs/guide.md in octocat/hello-world at main", "Call NewClient to start."}, nil},
		{"search_issues finds issues and pulls", "search_issues", `{"q":"greeting"}`,
			[]string{"2 results", "octocat/hello-world#2 [open] Add a friendlier greeting (pull request)", "octocat/hello-world#1 [open] Found a bug"}, nil},
		{"search_issues honours qualifiers", "search_issues", `{"q":"repo:octocat/hello-world is:issue greeting","per_page":5}`,
			[]string{"1 result", "#1"}, []string{"#2"}},
		{"search_issues says how many it shows", "search_issues", `{"q":"is:issue","per_page":1}`,
			[]string{"2 results (showing 1)"}, nil},
		{"search_code finds files", "search_code", `{"q":"NewClient"}`,
			[]string{"2 results", "octocat/hello-world: docs/guide.md · https://github.com/octocat/hello-world/blob/main/docs/guide.md", "octocat/hello-world: src/main.go"}, nil},
		{"search_code with no match", "search_code", `{"q":"nothing-matches-this"}`,
			[]string{"0 results"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, up := newFake(t)
			got, err := call(t, up, tt.tool, tt.args)
			if err != nil {
				t.Fatalf("%s(%s): %v", tt.tool, tt.args, err)
			}
			assertContains(t, got, tt.want...)
			assertOmits(t, got, tt.omit...)
		})
	}
}

func TestCreateIssueIsStored(t *testing.T) {
	t.Parallel()
	_, up := newFake(t)
	got, err := call(t, up, "create_issue", `{"owner":"octocat","repo":"hello-world","title":"Crash on start","body":"Steps: run it.","labels":["bug","new-label"],"assignees":["octocat"]}`)
	if err != nil {
		t.Fatalf("create_issue: %v", err)
	}
	assertContains(t, got, "Created issue octocat/hello-world#4: Crash on start", "URL: https://github.com/octocat/hello-world/issues/4")

	got, err = call(t, up, "get_issue", `{"owner":"octocat","repo":"hello-world","number":4}`)
	if err != nil {
		t.Fatalf("get_issue: %v", err)
	}
	assertContains(t, got, "Crash on start", "Labels: bug, new-label", "Assignees: octocat", "Steps: run it.")

	got, err = call(t, up, "list_issues", `{"owner":"octocat","repo":"hello-world"}`)
	if err != nil {
		t.Fatalf("list_issues: %v", err)
	}
	assertContains(t, got, "2 issues", "#4 [open] Crash on start")
}

func TestCommentIssueIsStored(t *testing.T) {
	t.Parallel()
	fake, up := newFake(t)
	got, err := call(t, up, "comment_issue", `{"owner":"octocat","repo":"hello-world","number":1,"body":"I see it too."}`)
	if err != nil {
		t.Fatalf("comment_issue: %v", err)
	}
	assertContains(t, got, "Commented on octocat/hello-world#1 (comment ", "URL: https://github.com/octocat/hello-world/issues/1#issuecomment-")
	bodies := fake.CommentBodies("octocat", "hello-world", 1)
	if len(bodies) != 3 || bodies[2] != "I see it too." {
		t.Errorf("comments = %q, want the new one last of 3", bodies)
	}
	got, _ = call(t, up, "get_issue", `{"owner":"octocat","repo":"hello-world","number":1}`)
	assertContains(t, got, "Comments: 3")
}
