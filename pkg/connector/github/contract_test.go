package github

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	gh "github.com/google/go-github/v75/github"
	"go.yaml.in/yaml/v3"

	"github.com/mcpgate/mcpgate/pkg/connector/connectortest"
	"github.com/mcpgate/mcpgate/pkg/connector/github/githubfake"
)

// The contract: every request the connector makes, found by running each
// tool against githubfake through a recording transport, is an operation
// of api.github.com in openapi_operations.yaml (shipped in
// github.com/google/go-github, generated from GitHub's REST description),
// with query parameters and a body that go-github's option and request
// types for that operation carry; and every field the connector reads of
// an answer is one go-github's response type has.

// operation is what go-github models for one REST operation.
type operation struct {
	query    any // go-github's options struct: its url tags
	extra    []string
	body     any // go-github's request struct: its json tags
	response any // go-github's response type
	mine     any // the connector's type for the answer
}

var operations = map[string]operation{
	"GET /user":                                                 {response: gh.User{}, mine: user{}},
	"GET /user/repos":                                           {query: gh.RepositoryListByAuthenticatedUserOptions{}, response: gh.Repository{}, mine: repository{}},
	"GET /repos/{owner}/{repo}":                                 {response: gh.Repository{}, mine: repository{}},
	"GET /repos/{owner}/{repo}/issues":                          {query: gh.IssueListByRepoOptions{}, response: gh.Issue{}, mine: issue{}},
	"GET /repos/{owner}/{repo}/issues/{issue_number}":           {response: gh.Issue{}, mine: issue{}},
	"POST /repos/{owner}/{repo}/issues":                         {body: gh.IssueRequest{}, response: gh.Issue{}, mine: issue{}},
	"POST /repos/{owner}/{repo}/issues/{issue_number}/comments": {body: gh.IssueComment{}, response: gh.IssueComment{}, mine: issueComment{}},
	"GET /repos/{owner}/{repo}/pulls":                           {query: gh.PullRequestListOptions{}, response: gh.PullRequest{}, mine: pull{}},
	"GET /repos/{owner}/{repo}/pulls/{pull_number}":             {response: gh.PullRequest{}, mine: pull{}},
	"GET /repos/{owner}/{repo}/contents/{path}":                 {query: gh.RepositoryContentGetOptions{}, response: gh.RepositoryContent{}, mine: content{}},
	// go-github's searchParameters adds q to SearchOptions (search.go).
	"GET /search/issues": {query: gh.SearchOptions{}, extra: []string{"q"}, response: gh.IssuesSearchResult{}, mine: issueSearch{}},
	"GET /search/code":   {query: gh.SearchOptions{}, extra: []string{"q"}, response: gh.CodeSearchResult{}, mine: codeSearch{}},
}

var contractCalls = []connectortest.ContractCall{
	{Tool: "list_repos", Args: `{"per_page":5}`},
	{Tool: "get_repo", Args: `{"owner":"octocat","repo":"hello-world"}`},
	{Tool: "list_issues", Args: `{"owner":"octocat","repo":"hello-world","state":"all","labels":["bug"]}`},
	{Tool: "get_issue", Args: `{"owner":"octocat","repo":"hello-world","number":1}`},
	{Tool: "create_issue", Args: `{"owner":"octocat","repo":"hello-world","title":"New","body":"b","labels":["bug"]}`},
	{Tool: "comment_issue", Args: `{"owner":"octocat","repo":"hello-world","number":1,"body":"Thanks"}`},
	{Tool: "list_pulls", Args: `{"owner":"octocat","repo":"hello-world","state":"open"}`},
	{Tool: "get_pull", Args: `{"owner":"octocat","repo":"hello-world","number":2}`},
	{Tool: "get_file", Args: `{"owner":"octocat","repo":"hello-world","path":"README.md","ref":"main"}`},
	{Tool: "search_issues", Args: `{"q":"repo:octocat/hello-world is:issue greeting","per_page":5}`},
	{Tool: "search_code", Args: `{"q":"hello repo:octocat/hello-world"}`},
}

// githubOperations reads openapi_operations.yaml from the go-github module
// and returns the api.github.com operations as "METHOD /path" patterns.
func githubOperations(t *testing.T) map[string]*regexp.Regexp {
	t.Helper()
	dir := connectortest.ModuleDir(t, "github.com/google/go-github/v75")
	raw, err := os.ReadFile(filepath.Join(dir, "openapi_operations.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Operations []struct {
			Name  string   `yaml:"name"`
			Files []string `yaml:"openapi_files"`
		} `yaml:"openapi_operations"`
	}
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	ops := map[string]*regexp.Regexp{}
	param := regexp.MustCompile(`\\\{[a-z_]+\\\}`)
	for _, op := range doc.Operations {
		if !slices.Contains(op.Files, "descriptions/api.github.com/api.github.com.json") {
			continue
		}
		method, path, _ := strings.Cut(op.Name, " ")
		seg := "[^/]+"
		if strings.HasSuffix(path, "/contents/{path}") {
			seg = ".+" // a file path has slashes
		}
		ops[op.Name] = regexp.MustCompile("^" + method + " " + param.ReplaceAllString(regexp.QuoteMeta(path), seg) + "$")
	}
	if len(ops) < 500 {
		t.Fatalf("openapi_operations.yaml lists %d api.github.com operations; is it the file?", len(ops))
	}
	return ops
}

// tags returns the names in a struct's tag key (url or json), embedded
// structs included.
func tags(t reflect.Type, key string) []string {
	var out []string
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Anonymous && f.Type.Kind() == reflect.Struct {
			out = append(out, tags(f.Type, key)...)
			continue
		}
		if name, _, _ := strings.Cut(f.Tag.Get(key), ","); name != "" && name != "-" {
			out = append(out, name)
		}
	}
	return out
}

func TestRequestsAreGitHubOperations(t *testing.T) {
	ops := githubOperations(t)
	fake := githubfake.New("ghp_CONTRACT0123456789")
	t.Cleanup(fake.Close)
	up := connectortest.Upstream(fake.URL, "ghp_CONTRACT0123456789")
	rec := connectortest.Record(&up)
	connectortest.RunContract(t, "github", up, contractCalls, nil)
	t.Logf("checking %d requests against %d api.github.com operations", len(rec.Exchanges()), len(ops))
	for _, ex := range rec.Exchanges() {
		line := ex.Method + " " + strings.TrimPrefix(ex.URL.EscapedPath(), "")
		var name string
		for n, re := range ops {
			// The most literal operation wins: /user/repos over /user/{account_id}.
			if re.MatchString(line) && (name == "" || strings.Count(n, "{") < strings.Count(name, "{")) {
				name = n
			}
		}
		if name == "" {
			t.Errorf("%s: not an api.github.com operation in openapi_operations.yaml", line)
			continue
		}
		op, ok := operations[name]
		if !ok {
			t.Errorf("%s: add what go-github models for %s to operations", line, name)
			continue
		}
		if v := ex.Header.Get("X-GitHub-Api-Version"); !slices.Contains(githubfake.APIVersions, v) {
			t.Errorf("%s: X-GitHub-Api-Version %q", line, v)
		}
		var allowed []string
		if op.query != nil {
			allowed = tags(reflect.TypeOf(op.query), "url")
		}
		allowed = append(allowed, op.extra...)
		for k := range ex.URL.Query() {
			if !slices.Contains(allowed, k) {
				t.Errorf("%s: query parameter %q is not in go-github's options for %s (%v)", line, k, name, allowed)
			}
		}
		if len(ex.Body) > 0 {
			var body map[string]any
			if op.body == nil || json.Unmarshal(ex.Body, &body) != nil {
				t.Errorf("%s: a body %s takes none of", line, name)
			}
			if op.body != nil {
				fields := tags(reflect.TypeOf(op.body), "json")
				for k := range body {
					if !slices.Contains(fields, k) {
						t.Errorf("%s: body field %q is not in go-github's %T", line, k, op.body)
					}
				}
			}
		}
		if ex.Status < 200 || ex.Status > 299 {
			t.Errorf("%s: the fake answered %d", line, ex.Status)
		}
		for _, f := range connectortest.ReadsOnly(name, reflect.TypeOf(op.mine), reflect.TypeOf(op.response), nil) {
			t.Errorf("the connector reads %s, which go-github's %T does not have", f, op.response)
		}
		if ex.Status == 200 && strings.Contains(ex.RespHeader.Get("Content-Type"), "json") {
			checkFakeAnswer(t, line, ex.RespBody, reflect.TypeOf(op.response))
		}
	}
}

// checkFakeAnswer decodes the fake's answer into go-github's type: a field
// of the wrong JSON type fails.
func checkFakeAnswer(t *testing.T, line string, body []byte, typ reflect.Type) {
	t.Helper()
	target := reflect.New(typ)
	if strings.HasPrefix(strings.TrimSpace(string(body)), "[") {
		target = reflect.New(reflect.SliceOf(typ))
	}
	if err := json.Unmarshal(body, target.Interface()); err != nil {
		t.Errorf("%s: the fake's answer does not decode into go-github's %s: %v", line, typ, err)
	}
}
