package github

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/mcpgate/mcpgate/pkg/connector"
	"github.com/mcpgate/mcpgate/pkg/connector/toolkit"
)

var listIssuesTool = connector.Tool{
	Name: "list_issues",
	Description: "List issues in a GitHub repository, newest first, one line each (number, state, title, author, " +
		"labels, comment count, URL). Pull requests are left out; use list_pulls for them. Use get_issue to read one issue's text.",
	InputSchema: toolkit.Object([]string{"owner", "repo"},
		ownerProp, repoProp,
		toolkit.Enum("state", "Which issues to list; default open.", "open", "closed", "all"),
		toolkit.StringList("labels", "Only issues that have all of these label names, e.g. [\"bug\", \"ui\"]."),
		perPage, pageProp,
	),
	ReadOnly: true,
	Prepare:  toolkit.Prepare(newClient, listIssues),
}

type listIssuesArgs struct {
	repoArgs
	State   string   `json:"state"`
	Labels  []string `json:"labels"`
	PerPage int      `json:"per_page"`
	Page    int      `json:"page"`
}

func (a *listIssuesArgs) Normalise() error {
	if err := a.repoArgs.Normalise(); err != nil {
		return err
	}
	if err := oneOf("state", a.State, "open", "closed", "all"); err != nil {
		return err
	}
	for _, l := range a.Labels {
		if strings.Contains(l, ",") {
			return errors.New("labels must be separate strings, one per label, without commas")
		}
	}
	return checkPaging(a.PerPage, a.Page)
}

func listIssues(ctx context.Context, c *client, a listIssuesArgs) (string, error) {
	q := url.Values{}
	setIf(q, "state", a.State)
	if len(a.Labels) > 0 {
		q.Set("labels", strings.Join(a.Labels, ","))
	}
	paging(q, a.PerPage, a.Page)
	var all []issue
	p, err := c.get(ctx, a.path()+"/issues", q, &all)
	if err != nil {
		return "", err
	}
	// GitHub's issues endpoint also returns pull requests, marked by a
	// pull_request key; they have their own tool.
	var issues []issue
	for _, is := range all {
		if is.PullRequest == nil {
			issues = append(issues, is)
		}
	}
	state := a.State
	if state == "" {
		state = "open"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s in %s (state %s)", plural(len(issues), "issue", "issues"), a.fullName(), state)
	if skipped := len(all) - len(issues); skipped > 0 {
		fmt.Fprintf(&b, "; %s left out (use list_pulls)", plural(skipped, "pull request", "pull requests"))
	}
	b.WriteString(":\n")
	for _, is := range issues {
		b.WriteString(issueLine("", is))
		b.WriteString("\n")
	}
	moreNote(&b, p)
	return b.String(), nil
}

var getIssueTool = connector.Tool{
	Name:        "get_issue",
	Description: "Get one issue of a GitHub repository by number: title, state, author, labels, assignees, dates, URL and its full text.",
	InputSchema: toolkit.Object([]string{"owner", "repo", "number"}, ownerProp, repoProp, numberProp),
	ReadOnly:    true,
	Prepare:     toolkit.Prepare(newClient, getIssue),
}

type numberArgs struct {
	repoArgs
	Number int `json:"number"`
}

func (a *numberArgs) Normalise() error {
	if err := a.repoArgs.Normalise(); err != nil {
		return err
	}
	return requireNumber(a.Number)
}

func (a numberArgs) itemPath(kind string) string {
	return a.path() + "/" + kind + "/" + strconv.Itoa(a.Number)
}

func getIssue(ctx context.Context, c *client, a numberArgs) (string, error) {
	var is issue
	if _, err := c.get(ctx, a.itemPath("issues"), nil, &is); err != nil {
		return "", err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s#%d: %s\n", a.fullName(), is.Number, is.Title)
	if is.PullRequest != nil {
		b.WriteString("This is a pull request; get_pull shows its branches and merge state.\n")
	}
	state := is.State
	if is.StateReason != "" && is.State == "closed" {
		state += " (" + strings.ReplaceAll(is.StateReason, "_", " ") + ")"
	}
	line(&b, "State", state)
	line(&b, "Author", is.User.Login)
	line(&b, "Labels", labelNames(is.Labels))
	line(&b, "Assignees", logins(is.Assignees))
	fmt.Fprintf(&b, "Comments: %d\n", is.Comments)
	line(&b, "Created", is.CreatedAt)
	line(&b, "Updated", is.UpdatedAt)
	line(&b, "Closed", is.ClosedAt)
	line(&b, "URL", is.HTMLURL)
	writeBody(&b, is.Body)
	return b.String(), nil
}

var createIssueTool = connector.Tool{
	Name: "create_issue",
	Description: "Open a new issue in a GitHub repository. Needs a title; body (Markdown), labels and assignees " +
		"(logins) are optional. Labels and assignees the token may not set are dropped by GitHub. Returns the new issue's number and URL.",
	InputSchema: toolkit.Object([]string{"owner", "repo", "title"},
		ownerProp, repoProp,
		toolkit.String("title", "Title of the issue."),
		toolkit.String("body", "Text of the issue, in GitHub Markdown."),
		toolkit.StringList("labels", "Label names to add, e.g. [\"bug\"]."),
		toolkit.StringList("assignees", "Logins of users to assign, e.g. [\"octocat\"]."),
	),
	Content: []string{"body"},
	Prepare: toolkit.Prepare(newClient, createIssue),
}

// newIssue is the request body of POST /repos/{owner}/{repo}/issues.
type newIssue struct {
	Title     string   `json:"title"`
	Body      string   `json:"body,omitempty"`
	Labels    []string `json:"labels,omitempty"`
	Assignees []string `json:"assignees,omitempty"`
}

type createIssueArgs struct {
	repoArgs
	newIssue
}

func (a *createIssueArgs) Normalise() error {
	if err := a.repoArgs.Normalise(); err != nil {
		return err
	}
	if strings.TrimSpace(a.Title) == "" {
		return errors.New("title is required")
	}
	return nil
}

func createIssue(ctx context.Context, c *client, a createIssueArgs) (string, error) {
	var is issue
	if err := c.post(ctx, a.path()+"/issues", a.newIssue, &is); err != nil {
		return "", err
	}
	return fmt.Sprintf("Created issue %s#%d: %s\nURL: %s\n", a.fullName(), is.Number, is.Title, is.HTMLURL), nil
}

var commentIssueTool = connector.Tool{
	Name:        "comment_issue",
	Description: "Add a comment to an issue or pull request of a GitHub repository. The body is GitHub Markdown. Returns the comment's URL.",
	InputSchema: toolkit.Object([]string{"owner", "repo", "number", "body"},
		ownerProp, repoProp, numberProp,
		toolkit.String("body", "Text of the comment, in GitHub Markdown."),
	),
	Content: []string{"body"},
	Prepare: toolkit.Prepare(newClient, commentIssue),
}

type commentIssueArgs struct {
	numberArgs
	Body string `json:"body"`
}

func (a *commentIssueArgs) Normalise() error {
	if err := a.numberArgs.Normalise(); err != nil {
		return err
	}
	if strings.TrimSpace(a.Body) == "" {
		return errors.New("body is required (the text of the comment)")
	}
	return nil
}

func commentIssue(ctx context.Context, c *client, a commentIssueArgs) (string, error) {
	var cm issueComment
	if err := c.post(ctx, a.itemPath("issues")+"/comments", map[string]string{"body": a.Body}, &cm); err != nil {
		return "", err
	}
	return fmt.Sprintf("Commented on %s#%d (comment %d)\nURL: %s\n", a.fullName(), a.Number, cm.ID, cm.HTMLURL), nil
}
