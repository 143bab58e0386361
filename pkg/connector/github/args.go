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

// Normalise trims owner and repo, takes "owner/name" in repo as name
// (a common slip, unambiguous when owner matches), and refuses names that
// would change which endpoint a request reaches.
func (a *repoArgs) Normalise() error {
	a.Owner, a.Repo = strings.TrimSpace(a.Owner), strings.TrimSpace(a.Repo)
	if a.Owner == "" {
		return errors.New("owner is required (the user or organisation that owns the repository)")
	}
	if a.Repo == "" {
		return errors.New("repo is required (the repository name without the owner)")
	}
	if o, r, ok := strings.Cut(a.Repo, "/"); ok && o == a.Owner && r != "" {
		a.Repo = r
	}
	if err := checkSegment("owner", a.Owner); err != nil {
		return err
	}
	return checkSegment("repo", a.Repo)
}

// path returns "/repos/{owner}/{repo}" escaped.
func (a repoArgs) path() string {
	return "/repos/" + url.PathEscape(a.Owner) + "/" + url.PathEscape(a.Repo)
}

func (a repoArgs) fullName() string { return a.Owner + "/" + a.Repo }

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

// checkPaging refuses per_page and page outside what GitHub takes.
func checkPaging(perPage, pageNo int) error {
	if perPage != 0 && (perPage < 1 || perPage > 100) {
		return errors.New("per_page must be between 1 and 100")
	}
	if pageNo < 0 {
		return errors.New("page must be 1 or more")
	}
	return nil
}

// paging adds per_page and page, when set, to q.
func paging(q url.Values, perPage, pageNo int) {
	if perPage != 0 {
		q.Set("per_page", strconv.Itoa(perPage))
	}
	if pageNo != 0 {
		q.Set("page", strconv.Itoa(pageNo))
	}
}

// oneOf validates an optional enum argument.
func oneOf(name, v string, allowed ...string) error {
	if v == "" {
		return nil
	}
	for _, a := range allowed {
		if v == a {
			return nil
		}
	}
	return fmt.Errorf("%s must be one of %s", name, strings.Join(allowed, ", "))
}

// setIf adds name=v to q when v is set.
func setIf(q url.Values, name, v string) {
	if v != "" {
		q.Set(name, v)
	}
}
