package github

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/mcpgate/mcpgate/pkg/connector"
	"github.com/mcpgate/mcpgate/pkg/connector/toolkit"
)

type searchArgs struct {
	Q       string `json:"q"`
	PerPage int    `json:"per_page"`
}

func (a *searchArgs) Normalise() error {
	if strings.TrimSpace(a.Q) == "" {
		return errors.New("q is required (a GitHub search query)")
	}
	return checkPaging(a.PerPage, 0)
}

func (a searchArgs) query() url.Values {
	q := url.Values{}
	q.Set("q", a.Q)
	paging(q, a.PerPage, 0)
	return q
}

var searchIssuesTool = connector.Tool{
	Name: "search_issues",
	Description: "Search issues and pull requests across GitHub with GitHub's search syntax, e.g. " +
		"\"repo:octocat/hello-world is:issue is:open label:bug crash\". Include is:issue or is:pull-request " +
		"(a GitHub App user token must). " +
		"Returns one line per result with its repository, number, state, title and URL.",
	InputSchema: toolkit.Object([]string{"q"},
		toolkit.String("q", "GitHub issue search query: keywords plus qualifiers such as repo:OWNER/NAME, is:issue, is:pull-request, is:open, label:NAME, author:LOGIN."),
		perPage,
	),
	ReadOnly: true,
	Prepare:  toolkit.Prepare(newClient, searchIssues),
}

func searchIssues(ctx context.Context, c *client, a searchArgs) (string, error) {
	if strings.HasPrefix(c.token, "ghu_") && !hasIssueType(a.Q) {
		// https://docs.github.com/rest/search/search#search-issues-and-pull-requests
		return "", errors.New("a GitHub App user token searches issues only with is:issue or is:pull-request in q; add one and search again")
	}
	var res issueSearch
	if _, err := c.get(ctx, "/search/issues", a.query(), &res); err != nil {
		return "", err
	}
	var b strings.Builder
	searchHeader(&b, res.TotalCount, len(res.Items), res.IncompleteResults)
	for _, is := range res.Items {
		b.WriteString(issueLine(repoFromURL(is.RepositoryURL), is))
		b.WriteString("\n")
	}
	return b.String(), nil
}

// hasIssueType reports whether q has the is:issue or is:pull-request
// qualifier that GitHub App user tokens must give.
func hasIssueType(q string) bool {
	for _, f := range strings.Fields(strings.ToLower(q)) {
		if f == "is:issue" || f == "is:pull-request" {
			return true
		}
	}
	return false
}

var searchCodeTool = connector.Tool{
	Name: "search_code",
	Description: "Search code in GitHub repositories with GitHub's code search syntax, e.g. " +
		"\"NewClient repo:octocat/hello-world language:go\"; a search term is required besides qualifiers. Returns the repository, path and URL of each " +
		"matching file; read one with get_file.",
	InputSchema: toolkit.Object([]string{"q"},
		toolkit.String("q", "GitHub code search query: keywords plus qualifiers such as repo:OWNER/NAME, org:ORG, path:DIR, language:LANG, extension:EXT."),
		perPage,
	),
	ReadOnly: true,
	Prepare:  toolkit.Prepare(newClient, searchCode),
}

// codeSearchArgs are searchArgs whose query must hold a search term: GitHub
// refuses code searches made of qualifiers alone
// (https://docs.github.com/search-github/searching-on-github/searching-code).
type codeSearchArgs struct{ searchArgs }

func (a *codeSearchArgs) Normalise() error {
	if err := a.searchArgs.Normalise(); err != nil {
		return err
	}
	for _, f := range strings.Fields(a.Q) {
		if k, v, ok := strings.Cut(f, ":"); !ok || k == "" || v == "" {
			return nil
		}
	}
	return errors.New("q needs a search term besides qualifiers (GitHub refuses code searches made of qualifiers alone), e.g. \"NewClient repo:octocat/hello-world\"")
}

func searchCode(ctx context.Context, c *client, a codeSearchArgs) (string, error) {
	var res codeSearch
	if _, err := c.get(ctx, "/search/code", a.query(), &res); err != nil {
		return "", err
	}
	var b strings.Builder
	searchHeader(&b, res.TotalCount, len(res.Items), res.IncompleteResults)
	for _, it := range res.Items {
		fmt.Fprintf(&b, "%s: %s · %s\n", it.Repository.FullName, it.Path, it.HTMLURL)
	}
	return b.String(), nil
}

func searchHeader(b *strings.Builder, total, shown int, incomplete bool) {
	fmt.Fprintf(b, "%s", plural(total, "result", "results"))
	if shown < total {
		fmt.Fprintf(b, " (showing %d)", shown)
	}
	if incomplete {
		b.WriteString(" — GitHub says the results are incomplete (the search timed out); narrow the query")
	}
	b.WriteString(":\n")
}
