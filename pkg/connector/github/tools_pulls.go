package github

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/mcpgate/mcpgate/pkg/connector"
	"github.com/mcpgate/mcpgate/pkg/connector/toolkit"
)

var listPullsTool = connector.Tool{
	Name: "list_pulls",
	Description: "List pull requests of a GitHub repository, one line each (number, state, title, author, " +
		"head → base branches, URL). Use get_pull to read one pull request's text and merge state.",
	InputSchema: toolkit.Object([]string{"owner", "repo"},
		ownerProp, repoProp,
		toolkit.Enum("state", "Which pull requests to list; default open.", "open", "closed", "all"),
		perPage, pageProp,
	),
	ReadOnly: true,
	Prepare:  toolkit.Prepare(newClient, listPulls),
}

type listPullsArgs struct {
	repoArgs
	State   string `json:"state"`
	PerPage int    `json:"per_page"`
	Page    int    `json:"page"`
}

func (a *listPullsArgs) Normalise() error {
	if err := a.repoArgs.Normalise(); err != nil {
		return err
	}
	if err := oneOf("state", a.State, "open", "closed", "all"); err != nil {
		return err
	}
	return checkPaging(a.PerPage, a.Page)
}

func listPulls(ctx context.Context, c *client, a listPullsArgs) (string, error) {
	q := url.Values{}
	setIf(q, "state", a.State)
	paging(q, a.PerPage, a.Page)
	var pulls []pull
	p, err := c.get(ctx, a.path()+"/pulls", q, &pulls)
	if err != nil {
		return "", err
	}
	state := a.State
	if state == "" {
		state = "open"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s in %s (state %s):\n", plural(len(pulls), "pull request", "pull requests"), a.fullName(), state)
	for _, pr := range pulls {
		fmt.Fprintf(&b, "#%d [%s] %s", pr.Number, pullState(pr), pr.Title)
		if pr.User.Login != "" {
			fmt.Fprintf(&b, " — by %s", pr.User.Login)
		}
		fmt.Fprintf(&b, " · %s → %s", pr.Head.Label, pr.Base.Ref)
		if ls := labelNames(pr.Labels); ls != "" {
			fmt.Fprintf(&b, " · labels: %s", ls)
		}
		fmt.Fprintf(&b, " · %s\n", pr.HTMLURL)
	}
	moreNote(&b, p)
	return b.String(), nil
}

var getPullTool = connector.Tool{
	Name: "get_pull",
	Description: "Get one pull request of a GitHub repository by number: title, state, author, head and base " +
		"branches, merge state, size of the change (commits, files, additions, deletions), URL and its full text.",
	InputSchema: toolkit.Object([]string{"owner", "repo", "number"}, ownerProp, repoProp, numberProp),
	ReadOnly:    true,
	Prepare:     toolkit.Prepare(newClient, getPull),
}

func getPull(ctx context.Context, c *client, a numberArgs) (string, error) {
	var pr pull
	if _, err := c.get(ctx, a.itemPath("pulls"), nil, &pr); err != nil {
		return "", err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s pull request #%d: %s\n", a.fullName(), pr.Number, pr.Title)
	line(&b, "State", pullState(pr))
	line(&b, "Author", pr.User.Login)
	fmt.Fprintf(&b, "Branches: %s → %s\n", pr.Head.Label, pr.Base.Label)
	line(&b, "Head commit", pr.Head.SHA)
	if pr.Mergeable != nil && pr.State == "open" {
		line(&b, "Mergeable", yesNo(*pr.Mergeable))
	}
	line(&b, "Labels", labelNames(pr.Labels))
	fmt.Fprintf(&b, "Change: %d commits, %d files, +%d −%d\n", pr.Commits, pr.ChangedFiles, pr.Additions, pr.Deletions)
	fmt.Fprintf(&b, "Comments: %d\n", pr.Comments)
	line(&b, "Created", pr.CreatedAt)
	line(&b, "Updated", pr.UpdatedAt)
	line(&b, "Merged", pr.MergedAt)
	line(&b, "Closed", pr.ClosedAt)
	line(&b, "URL", pr.HTMLURL)
	writeBody(&b, pr.Body)
	return b.String(), nil
}
