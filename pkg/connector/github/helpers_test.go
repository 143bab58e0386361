package github_test

import (
	"testing"

	"github.com/mcpgate/mcpgate/pkg/connector"
	"github.com/mcpgate/mcpgate/pkg/connector/connectortest"
	"github.com/mcpgate/mcpgate/pkg/connector/github/githubfake"
)

// canary is a recognisable token: no text a tool returns may contain it.
const canary = "ghp_CANARY0123456789abcdefghijklmnopqrstu"

// suite runs the checks every connector shares; its Call checks every
// result and error for the canary.
var suite = connectortest.Suite[*githubfake.Server]{
	Name:      "github",
	Canary:    canary,
	NewFake:   func(tb testing.TB) (*githubfake.Server, connector.Upstream) { return newFake(tb) },
	ValidArgs: validArgs,
}

// newFake starts a fake that accepts canary and an Upstream aimed at it.
func newFake(t testing.TB, opts ...githubfake.Option) (*githubfake.Server, connector.Upstream) {
	t.Helper()
	fake := githubfake.New(canary, opts...)
	t.Cleanup(fake.Close)
	return fake, connectortest.Upstream(fake.URL, canary)
}

// validArgs has arguments each tool accepts against the seeded fake.
var validArgs = map[string]string{
	"list_repos":    `{}`,
	"get_repo":      `{"owner":"octocat","repo":"hello-world"}`,
	"list_issues":   `{"owner":"octocat","repo":"hello-world"}`,
	"get_issue":     `{"owner":"octocat","repo":"hello-world","number":1}`,
	"create_issue":  `{"owner":"octocat","repo":"hello-world","title":"New"}`,
	"comment_issue": `{"owner":"octocat","repo":"hello-world","number":1,"body":"Thanks"}`,
	"list_pulls":    `{"owner":"octocat","repo":"hello-world"}`,
	"get_pull":      `{"owner":"octocat","repo":"hello-world","number":2}`,
	"get_file":      `{"owner":"octocat","repo":"hello-world","path":"README.md"}`,
	"search_issues": `{"q":"greeting"}`,
	"search_code":   `{"q":"NewClient"}`,
}

func newGHES(t *testing.T) (*githubfake.Server, connector.Upstream) {
	t.Helper()
	return newFake(t, githubfake.WithPathPrefix("/api/v3"))
}
