package github_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/mcpgate/mcpgate/pkg/connector/connectortest"
	"github.com/mcpgate/mcpgate/pkg/connector/github/githubfake"
)

// A file over 1 MB comes from the contents API with content "" and
// encoding "none"; get_file fetches it with the raw media type
// (https://docs.github.com/rest/repos/contents#get-repository-content).
func TestGetFileReadsFilesOver1MB(t *testing.T) {
	t.Parallel()
	fake, up := newFake(t)
	big := bytes.Repeat([]byte("line of a big file\n"), (3<<20)/19)
	fake.AddFile("octocat", "hello-world", "data/big.txt", big)
	rec := connectortest.Record(&up)
	got, err := suite.Call(t, up, "get_file", `{"owner":"octocat","repo":"hello-world","path":"data/big.txt"}`)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(got, string(big)) {
		t.Errorf("get_file returned %d bytes, want the file's %d at the end", len(got), len(big))
	}
	ex := rec.Exchanges()
	if len(ex) != 2 || ex[1].Header.Get("Accept") != "application/vnd.github.raw+json" {
		t.Errorf("requests: %d, second Accept %q; want a second request for the raw media type", len(ex), ex[len(ex)-1].Header.Get("Accept"))
	}

	fake.AddFile("octocat", "hello-world", "data/huge.txt", bytes.Repeat([]byte("x"), 9<<20))
	_, err = suite.Call(t, up, "get_file", `{"owner":"octocat","repo":"hello-world","path":"data/huge.txt"}`)
	connectortest.AssertContains(t, connectortest.ErrText(err), "data/huge.txt in octocat/hello-world is too large (9437184 bytes) for get_file, which reads at most 8 MiB")
}

// GitHub App user tokens must give is:issue or is:pull-request
// (https://docs.github.com/rest/search/search#search-issues-and-pull-requests).
func TestAppUserTokenIssueSearchNeedsAType(t *testing.T) {
	t.Parallel()
	const ghu = "ghu_CANARY0123456789abcdefghijklmnopqrstu"
	fake := githubfake.New(ghu)
	t.Cleanup(fake.Close)
	up := connectortest.Upstream(fake.URL, ghu)
	_, err := suite.Call(t, up, "search_issues", `{"q":"repo:octocat/hello-world greeting"}`)
	connectortest.AssertContains(t, connectortest.ErrText(err), "a GitHub App user token searches issues only with is:issue or is:pull-request in q")
	got, err := suite.Call(t, up, "search_issues", `{"q":"repo:octocat/hello-world greeting is:issue"}`)
	if err != nil {
		t.Fatal(err)
	}
	connectortest.AssertContains(t, got, "result")
}

func TestCodeSearchNeedsATerm(t *testing.T) {
	t.Parallel()
	_, up := newFake(t)
	_, err := suite.Call(t, up, "search_code", `{"q":"repo:octocat/hello-world language:go"}`)
	connectortest.AssertContains(t, connectortest.ErrText(err), "q needs a search term besides qualifiers")
}
