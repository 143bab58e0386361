package github

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/mcpgate/mcpgate/pkg/connector/toolkit"
)

// repoArgs are the owner and repo every repository tool needs.
type repoArgs struct {
	Owner string `json:"owner"`
	Repo  string `json:"repo"`
}

// path checks owner and repo and returns "/repos/{owner}/{repo}" escaped.
func (a repoArgs) path() (string, error) {
	owner, repo := strings.TrimSpace(a.Owner), strings.TrimSpace(a.Repo)
	if owner == "" {
		return "", errors.New("owner is required (the user or organisation that owns the repository)")
	}
	if repo == "" {
		return "", errors.New("repo is required (the repository name without the owner)")
	}
	if o, r, ok := strings.Cut(repo, "/"); ok && o == owner && r != "" {
		repo = r // "owner/name" in repo is a common slip and unambiguous here
	}
	if err := checkSegment("owner", owner); err != nil {
		return "", err
	}
	if err := checkSegment("repo", repo); err != nil {
		return "", err
	}
	return "/repos/" + url.PathEscape(owner) + "/" + url.PathEscape(repo), nil
}

func (a repoArgs) fullName() string {
	repo := strings.TrimSpace(a.Repo)
	if _, r, ok := strings.Cut(repo, "/"); ok {
		repo = r
	}
	return strings.TrimSpace(a.Owner) + "/" + repo
}

// checkSegment refuses values that would change which endpoint a request
// reaches ("..", "a/b") instead of naming one thing on it.
func checkSegment(name, v string) error {
	if v == "." || v == ".." || strings.ContainsAny(v, "/\\?#") || strings.ContainsFunc(v, toolkit.IsSpaceOrControl) {
		return fmt.Errorf("%s %q is not a valid GitHub name", name, v)
	}
	return nil
}

func requireNumber(n int) error {
	if n == 0 {
		return errors.New("number is required (the issue or pull request number, e.g. 42)")
	}
	if n < 0 {
		return errors.New("number must be a positive integer")
	}
	return nil
}

// paging validates per_page and page and adds them to q.
func paging(q url.Values, perPage, pageNo int) error {
	if perPage != 0 {
		if perPage < 1 || perPage > 100 {
			return errors.New("per_page must be between 1 and 100")
		}
		q.Set("per_page", strconv.Itoa(perPage))
	}
	if pageNo != 0 {
		if pageNo < 1 {
			return errors.New("page must be 1 or more")
		}
		q.Set("page", strconv.Itoa(pageNo))
	}
	return nil
}

// oneOf validates an optional enum argument and adds it to q.
func oneOf(q url.Values, name, v string, allowed ...string) error {
	if v == "" {
		return nil
	}
	for _, a := range allowed {
		if v == a {
			q.Set(name, v)
			return nil
		}
	}
	return fmt.Errorf("%s must be one of %s", name, strings.Join(allowed, ", "))
}
