package githubfake

import (
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
)

// The wire types below are the fake's own, written from GitHub's documented
// response shapes rather than shared with the connector, so a field the
// connector misreads is not hidden by both sides agreeing on a mistake.

type simpleUser struct {
	Login     string `json:"login"`
	ID        int64  `json:"id"`
	NodeID    string `json:"node_id"`
	AvatarURL string `json:"avatar_url"`
	URL       string `json:"url"`
	HTMLURL   string `json:"html_url"`
	Type      string `json:"type"`
	SiteAdmin bool   `json:"site_admin"`
}

type labelJSON struct {
	ID          int64  `json:"id"`
	NodeID      string `json:"node_id"`
	URL         string `json:"url"`
	Name        string `json:"name"`
	Description string `json:"description"`
	Color       string `json:"color"`
	Default     bool   `json:"default"`
}

type repoJSON struct {
	ID              int64      `json:"id"`
	NodeID          string     `json:"node_id"`
	Name            string     `json:"name"`
	FullName        string     `json:"full_name"`
	Owner           simpleUser `json:"owner"`
	Private         bool       `json:"private"`
	HTMLURL         string     `json:"html_url"`
	Description     *string    `json:"description"`
	Fork            bool       `json:"fork"`
	URL             string     `json:"url"`
	CreatedAt       string     `json:"created_at"`
	UpdatedAt       string     `json:"updated_at"`
	PushedAt        string     `json:"pushed_at"`
	Homepage        *string    `json:"homepage"`
	Size            int        `json:"size"`
	StargazersCount int        `json:"stargazers_count"`
	WatchersCount   int        `json:"watchers_count"`
	Language        *string    `json:"language"`
	ForksCount      int        `json:"forks_count"`
	OpenIssuesCount int        `json:"open_issues_count"`
	DefaultBranch   string     `json:"default_branch"`
	Visibility      string     `json:"visibility"`
	Archived        bool       `json:"archived"`
	Disabled        bool       `json:"disabled"`
	HasIssues       bool       `json:"has_issues"`
	Topics          []string   `json:"topics"`
}

type prLinks struct {
	URL      string  `json:"url"`
	HTMLURL  string  `json:"html_url"`
	DiffURL  string  `json:"diff_url"`
	PatchURL string  `json:"patch_url"`
	MergedAt *string `json:"merged_at"`
}

type issueJSON struct {
	ID                int64        `json:"id"`
	NodeID            string       `json:"node_id"`
	URL               string       `json:"url"`
	RepositoryURL     string       `json:"repository_url"`
	CommentsURL       string       `json:"comments_url"`
	HTMLURL           string       `json:"html_url"`
	Number            int          `json:"number"`
	State             string       `json:"state"`
	StateReason       *string      `json:"state_reason"`
	Title             string       `json:"title"`
	Body              *string      `json:"body"`
	User              simpleUser   `json:"user"`
	Labels            []labelJSON  `json:"labels"`
	Assignee          *simpleUser  `json:"assignee"`
	Assignees         []simpleUser `json:"assignees"`
	Milestone         *struct{}    `json:"milestone"`
	Locked            bool         `json:"locked"`
	Comments          int          `json:"comments"`
	PullRequest       *prLinks     `json:"pull_request,omitempty"`
	ClosedAt          *string      `json:"closed_at"`
	CreatedAt         string       `json:"created_at"`
	UpdatedAt         string       `json:"updated_at"`
	AuthorAssociation string       `json:"author_association"`
	Score             *float64     `json:"score,omitempty"` // search results only
}

type commentJSON struct {
	ID                int64      `json:"id"`
	NodeID            string     `json:"node_id"`
	URL               string     `json:"url"`
	HTMLURL           string     `json:"html_url"`
	Body              string     `json:"body"`
	User              simpleUser `json:"user"`
	CreatedAt         string     `json:"created_at"`
	UpdatedAt         string     `json:"updated_at"`
	IssueURL          string     `json:"issue_url"`
	AuthorAssociation string     `json:"author_association"`
}

type branchJSON struct {
	Label string     `json:"label"`
	Ref   string     `json:"ref"`
	SHA   string     `json:"sha"`
	User  simpleUser `json:"user"`
	Repo  *repoJSON  `json:"repo"`
}

// pullJSON is the list form; pullDetail adds what only GET one pull has.
type pullJSON struct {
	URL               string       `json:"url"`
	ID                int64        `json:"id"`
	NodeID            string       `json:"node_id"`
	HTMLURL           string       `json:"html_url"`
	DiffURL           string       `json:"diff_url"`
	PatchURL          string       `json:"patch_url"`
	IssueURL          string       `json:"issue_url"`
	Number            int          `json:"number"`
	State             string       `json:"state"`
	Locked            bool         `json:"locked"`
	Title             string       `json:"title"`
	User              simpleUser   `json:"user"`
	Body              *string      `json:"body"`
	Labels            []labelJSON  `json:"labels"`
	CreatedAt         string       `json:"created_at"`
	UpdatedAt         string       `json:"updated_at"`
	ClosedAt          *string      `json:"closed_at"`
	MergedAt          *string      `json:"merged_at"`
	MergeCommitSHA    *string      `json:"merge_commit_sha"`
	Assignees         []simpleUser `json:"assignees"`
	Head              branchJSON   `json:"head"`
	Base              branchJSON   `json:"base"`
	Draft             bool         `json:"draft"`
	AuthorAssociation string       `json:"author_association"`
}

type pullDetail struct {
	pullJSON
	Merged         bool   `json:"merged"`
	Mergeable      *bool  `json:"mergeable"`
	MergeableState string `json:"mergeable_state"`
	Comments       int    `json:"comments"`
	ReviewComments int    `json:"review_comments"`
	Commits        int    `json:"commits"`
	Additions      int    `json:"additions"`
	Deletions      int    `json:"deletions"`
	ChangedFiles   int    `json:"changed_files"`
}

type contentLinks struct {
	Self string `json:"self"`
	Git  string `json:"git"`
	HTML string `json:"html"`
}

type contentJSON struct {
	Type        string       `json:"type"`
	Encoding    string       `json:"encoding,omitempty"`
	Size        int          `json:"size"`
	Name        string       `json:"name"`
	Path        string       `json:"path"`
	Content     *string      `json:"content,omitempty"`
	SHA         string       `json:"sha"`
	URL         string       `json:"url"`
	GitURL      string       `json:"git_url"`
	HTMLURL     string       `json:"html_url"`
	DownloadURL *string      `json:"download_url"`
	Links       contentLinks `json:"_links"`
}

type codeItemJSON struct {
	Name       string   `json:"name"`
	Path       string   `json:"path"`
	SHA        string   `json:"sha"`
	URL        string   `json:"url"`
	GitURL     string   `json:"git_url"`
	HTMLURL    string   `json:"html_url"`
	Repository repoJSON `json:"repository"`
	Score      float64  `json:"score"`
}

type searchJSON[T any] struct {
	TotalCount        int  `json:"total_count"`
	IncompleteResults bool `json:"incomplete_results"`
	Items             []T  `json:"items"`
}

type errorJSON struct {
	Message          string       `json:"message"`
	Errors           []fieldError `json:"errors,omitempty"`
	DocumentationURL string       `json:"documentation_url"`
	Status           string       `json:"status"`
}

type fieldError struct {
	Resource string `json:"resource"`
	Field    string `json:"field"`
	Code     string `json:"code"`
	Message  string `json:"message,omitempty"`
}

// blobSHA is git's object id for a blob, which is what GitHub reports.
func blobSHA(data []byte) string {
	h := sha1.New()
	fmt.Fprintf(h, "blob %d\x00", len(data))
	h.Write(data)
	return hex.EncodeToString(h.Sum(nil))
}

// wrap60 encodes data as GitHub does in the contents API: base64 with a
// newline after every 60 characters.
func wrap60(data []byte) string {
	enc := base64.StdEncoding.EncodeToString(data)
	var b strings.Builder
	for len(enc) > 60 {
		b.WriteString(enc[:60])
		b.WriteByte('\n')
		enc = enc[60:]
	}
	b.WriteString(enc)
	b.WriteByte('\n')
	return b.String()
}

func ptr[T any](v T) *T { return &v }
