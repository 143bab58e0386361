package github

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/mcpgate/mcpgate/pkg/connector"
	"github.com/mcpgate/mcpgate/pkg/connector/toolkit"
)

var listReposTool = connector.Tool{
	Name: "list_repos",
	Description: "List repositories the authenticated GitHub user can access (own, collaborator and organisation " +
		"member repositories). Returns one line per repository with its full name, visibility, description and URL. " +
		"Use get_repo for details of one repository.",
	InputSchema: toolkit.Object(nil,
		toolkit.Enum("visibility", "Only repositories with this visibility; default all.", "all", "public", "private"),
		toolkit.Enum("sort", "Sort order; default full_name.", "created", "updated", "pushed", "full_name"),
		perPage, pageProp,
	),
	ReadOnly: true,
	Prepare:  toolkit.Prepare(newClient, listRepos),
}

type listReposArgs struct {
	Visibility string `json:"visibility"`
	Sort       string `json:"sort"`
	PerPage    int    `json:"per_page"`
	Page       int    `json:"page"`
}

func (a *listReposArgs) Normalise() error {
	if err := oneOf("visibility", a.Visibility, "all", "public", "private"); err != nil {
		return err
	}
	if err := oneOf("sort", a.Sort, "created", "updated", "pushed", "full_name"); err != nil {
		return err
	}
	return checkPaging(a.PerPage, a.Page)
}

func listRepos(ctx context.Context, c *client, a listReposArgs) (string, error) {
	q := url.Values{}
	setIf(q, "visibility", a.Visibility)
	setIf(q, "sort", a.Sort)
	paging(q, a.PerPage, a.Page)
	var repos []repository
	p, err := c.get(ctx, "/user/repos", q, &repos)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s:\n", plural(len(repos), "repository", "repositories"))
	for _, r := range repos {
		fmt.Fprintf(&b, "- %s [%s]", r.FullName, visibility(r))
		if r.Fork {
			b.WriteString(" (fork)")
		}
		if r.Archived {
			b.WriteString(" (archived)")
		}
		if r.Description != "" {
			fmt.Fprintf(&b, " — %s", r.Description)
		}
		fmt.Fprintf(&b, " · %s\n", r.HTMLURL)
	}
	moreNote(&b, p)
	return b.String(), nil
}

func visibility(r repository) string {
	if r.Visibility != "" {
		return r.Visibility
	}
	if r.Private {
		return "private"
	}
	return "public"
}

var getRepoTool = connector.Tool{
	Name:        "get_repo",
	Description: "Get one GitHub repository: description, visibility, default branch, language, stars, forks, open issue count, topics and URL.",
	InputSchema: toolkit.Object([]string{"owner", "repo"}, ownerProp, repoProp),
	ReadOnly:    true,
	Prepare:     toolkit.Prepare(newClient, getRepo),
}

func getRepo(ctx context.Context, c *client, a repoArgs) (string, error) {
	var r repository
	if _, err := c.get(ctx, a.path(), nil, &r); err != nil {
		return "", err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s (%s)\n", r.FullName, visibility(r))
	line(&b, "Description", r.Description)
	line(&b, "URL", r.HTMLURL)
	line(&b, "Default branch", r.DefaultBranch)
	line(&b, "Language", r.Language)
	fmt.Fprintf(&b, "Stars: %d · Forks: %d · Open issues and pull requests: %d\n", r.Stars, r.Forks, r.OpenIssuesCount)
	line(&b, "Topics", strings.Join(r.Topics, ", "))
	line(&b, "Fork", yesNo(r.Fork))
	line(&b, "Archived", yesNo(r.Archived))
	line(&b, "Updated", r.UpdatedAt)
	line(&b, "Last push", r.PushedAt)
	return b.String(), nil
}
