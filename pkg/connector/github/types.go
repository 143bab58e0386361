package github

import "encoding/json"

// The structs below decode only the fields the tools show; GitHub sends far
// more, and encoding/json ignores the rest. Nullable strings decode to "".

type user struct {
	Login string `json:"login"`
}

type label struct {
	Name string `json:"name"`
}

type repository struct {
	FullName        string   `json:"full_name"`
	Description     string   `json:"description"`
	Private         bool     `json:"private"`
	Visibility      string   `json:"visibility"`
	HTMLURL         string   `json:"html_url"`
	DefaultBranch   string   `json:"default_branch"`
	Language        string   `json:"language"`
	Fork            bool     `json:"fork"`
	Archived        bool     `json:"archived"`
	Stars           int      `json:"stargazers_count"`
	Forks           int      `json:"forks_count"`
	OpenIssuesCount int      `json:"open_issues_count"`
	Topics          []string `json:"topics"`
	UpdatedAt       string   `json:"updated_at"`
	PushedAt        string   `json:"pushed_at"`
}

// issue is also what the search API returns for issues and pull requests.
type issue struct {
	Number        int       `json:"number"`
	Title         string    `json:"title"`
	State         string    `json:"state"`
	StateReason   string    `json:"state_reason"`
	Body          string    `json:"body"`
	User          user      `json:"user"`
	Labels        []label   `json:"labels"`
	Assignees     []user    `json:"assignees"`
	Comments      int       `json:"comments"`
	HTMLURL       string    `json:"html_url"`
	RepositoryURL string    `json:"repository_url"`
	CreatedAt     string    `json:"created_at"`
	UpdatedAt     string    `json:"updated_at"`
	ClosedAt      string    `json:"closed_at"`
	PullRequest   *struct{} `json:"pull_request"`
}

type issueComment struct {
	ID      int64  `json:"id"`
	HTMLURL string `json:"html_url"`
}

type branchRef struct {
	Label string `json:"label"`
	Ref   string `json:"ref"`
	SHA   string `json:"sha"`
}

type pull struct {
	Number       int       `json:"number"`
	Title        string    `json:"title"`
	State        string    `json:"state"`
	Draft        bool      `json:"draft"`
	Body         string    `json:"body"`
	User         user      `json:"user"`
	Labels       []label   `json:"labels"`
	HTMLURL      string    `json:"html_url"`
	Head         branchRef `json:"head"`
	Base         branchRef `json:"base"`
	Merged       bool      `json:"merged"`
	MergedAt     string    `json:"merged_at"`
	Mergeable    *bool     `json:"mergeable"`
	Comments     int       `json:"comments"`
	Commits      int       `json:"commits"`
	Additions    int       `json:"additions"`
	Deletions    int       `json:"deletions"`
	ChangedFiles int       `json:"changed_files"`
	CreatedAt    string    `json:"created_at"`
	UpdatedAt    string    `json:"updated_at"`
	ClosedAt     string    `json:"closed_at"`
}

// content is one entry of GET /repos/{owner}/{repo}/contents/{path}: an
// object for a file, symlink or submodule, an array of them for a directory.
type content struct {
	Type     string `json:"type"`
	Name     string `json:"name"`
	Path     string `json:"path"`
	SHA      string `json:"sha"`
	Size     int    `json:"size"`
	Encoding string `json:"encoding"`
	Content  string `json:"content"`
	HTMLURL  string `json:"html_url"`
	Target   string `json:"target"`
}

type issueSearch struct {
	TotalCount        int     `json:"total_count"`
	IncompleteResults bool    `json:"incomplete_results"`
	Items             []issue `json:"items"`
}

type codeSearch struct {
	TotalCount        int        `json:"total_count"`
	IncompleteResults bool       `json:"incomplete_results"`
	Items             []codeItem `json:"items"`
}

type codeItem struct {
	Name       string     `json:"name"`
	Path       string     `json:"path"`
	HTMLURL    string     `json:"html_url"`
	Repository repository `json:"repository"`
}

// apiErrorBody is GitHub's error document. Entries of errors are objects
// for validation failures but plain strings on some endpoints.
type apiErrorBody struct {
	Message string            `json:"message"`
	Errors  []json.RawMessage `json:"errors"`
}
