package github

import (
	"fmt"
	"strings"
)

// The tools answer in short labelled lines rather than raw JSON: a model
// reads them as easily, and they cost a fraction of GitHub's verbose JSON.

func labelNames(ls []label) string {
	names := make([]string, 0, len(ls))
	for _, l := range ls {
		names = append(names, l.Name)
	}
	return strings.Join(names, ", ")
}

func logins(us []user) string {
	names := make([]string, 0, len(us))
	for _, u := range us {
		names = append(names, u.Login)
	}
	return strings.Join(names, ", ")
}

// line writes "Key: value" when value is not empty.
func line(b *strings.Builder, key, value string) {
	if value != "" {
		fmt.Fprintf(b, "%s: %s\n", key, value)
	}
}

func yesNo(v bool) string {
	if v {
		return "yes"
	}
	return "no"
}

func writeBody(b *strings.Builder, text string) {
	text = strings.TrimSpace(text)
	if text == "" {
		text = "(no description)"
	}
	b.WriteString("\n")
	b.WriteString(text)
	b.WriteString("\n")
}

func moreNote(b *strings.Builder, p page) {
	if p.next > 0 {
		fmt.Fprintf(b, "More results: call again with page=%d.\n", p.next)
	}
}

// issueLine is the one-line summary used by list_issues and search_issues.
func issueLine(prefix string, is issue) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s#%d [%s] %s", prefix, is.Number, is.State, is.Title)
	if is.PullRequest != nil {
		b.WriteString(" (pull request)")
	}
	if is.User.Login != "" {
		fmt.Fprintf(&b, " — by %s", is.User.Login)
	}
	if ls := labelNames(is.Labels); ls != "" {
		fmt.Fprintf(&b, " · labels: %s", ls)
	}
	if is.Comments > 0 {
		fmt.Fprintf(&b, " · %s", plural(is.Comments, "comment", "comments"))
	}
	if is.UpdatedAt != "" {
		fmt.Fprintf(&b, " · updated %s", is.UpdatedAt)
	}
	if is.HTMLURL != "" {
		fmt.Fprintf(&b, " · %s", is.HTMLURL)
	}
	return b.String()
}

func pullState(p pull) string {
	switch {
	case p.Merged || p.MergedAt != "":
		return "merged"
	case p.Draft && p.State == "open":
		return "open, draft"
	}
	return p.State
}

// repoFromURL turns ".../repos/octocat/hello-world" into "octocat/hello-world".
func repoFromURL(u string) string {
	parts := strings.Split(strings.TrimRight(u, "/"), "/")
	if len(parts) < 2 {
		return ""
	}
	return parts[len(parts)-2] + "/" + parts[len(parts)-1]
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
