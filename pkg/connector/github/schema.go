package github

import "github.com/mcpgate/mcpgate/pkg/connector/toolkit"

// Arguments shared by several tools.
var (
	ownerProp  = toolkit.String("owner", "Owner of the repository: a user or organisation login, e.g. \"octocat\".")
	repoProp   = toolkit.String("repo", "Repository name without the owner, e.g. \"hello-world\".")
	numberProp = toolkit.Integer("number", "Issue or pull request number, e.g. 42.", 1, 0)
	perPage    = toolkit.Integer("per_page", "Results per page, 1-100 (GitHub's default is 30).", 1, 100)
	pageProp   = toolkit.Integer("page", "Page number, starting at 1. A result says when there is a next page.", 1, 0)
)
