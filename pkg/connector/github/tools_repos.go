package github

import (
	"context"
	"encoding/json"
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
	Call:     run(listRepos),
}

func listRepos(ctx context.Context, c *client, raw json.RawMessage) (string, error) {
	a, err := toolkit.DecodeArgs[struct {
		Visibility string `json:"visibility"`
		Sort       string `json:"sort"`
		PerPage    int    `json:"per_page"`
		Page       int    `json:"page"`
	}](raw)
	if err != nil {
		return "", err
	}
	q := url.Values{}
	if err := oneOf(q, "visibility", a.Visibility, "all", "public", "private"); err != nil {
		return "", err
	}
	if err := oneOf(q, "sort", a.Sort, "created", "updated", "pushed", "full_name"); err != nil {
		return "", err
	}
	if err := paging(q, a.PerPage, a.Page); err != nil {
		return "", err
	}
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
	Call:        run(getRepo),
}

func getRepo(ctx context.Context, c *client, raw json.RawMessage) (string, error) {
	a, err := toolkit.DecodeArgs[repoArgs](raw)
	if err != nil {
		return "", err
	}
	path, err := a.path()
	if err != nil {
		return "", err
	}
	var r repository
	if _, err := c.get(ctx, path, nil, &r); err != nil {
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
