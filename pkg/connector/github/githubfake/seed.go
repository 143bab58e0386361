package githubfake

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

const (
	htmlBase = "https://github.com"
	branch   = "main"
	headSHA  = "6dcb09b5b57875f334f61aebed695e2e4193db5e"
	seedTime = "2024-01-15T10:00:00Z"
)

// repoState is one repository and everything under it.
type repoState struct {
	repo   repoJSON
	issues map[int]*issueState // issues and pull requests share numbers
	pulls  map[int]*pullDetail
	labels map[string]labelJSON
	files  map[string][]byte
	last   int // highest issue or pull number used
}

type issueState struct {
	issue    issueJSON
	comments []commentJSON
}

func (s *Server) user() simpleUser {
	return simpleUser{
		Login: Login, ID: 1, NodeID: "MDQ6VXNlcjE=",
		AvatarURL: "https://avatars.githubusercontent.com/u/1?v=4",
		URL:       s.URL + "/users/" + Login, HTMLURL: htmlBase + "/" + Login,
		Type: "User",
	}
}

// seed fills the fake with the data described in the package comment.
func (s *Server) seed() {
	hello := s.addRepo("hello-world", "My first repository on GitHub!", "Go", false, 80, []string{"example", "octocat"})
	s.addRepo("secret-plans", "", "", true, 0, nil)

	hello.files["README.md"] = []byte("# Hello World\n\nThis is the hello-world repository, used to show how the GitHub contents API wraps base64 at sixty columns. Héllo ✓\n")
	hello.files["docs/guide.md"] = []byte("# Guide\n\nCall NewClient to start.\n")
	hello.files["src/main.go"] = []byte("package main\n\n// NewClient returns a client.\nfunc NewClient() {}\n\nfunc main() { NewClient() }\n")
	hello.files["logo.png"] = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01")

	s.addIssue(hello, "Found a bug", "The greeting is printed twice.", []string{"bug"}, "open", 2)
	pr := s.addIssue(hello, "Add a friendlier greeting", "Says hello in three languages.", []string{"enhancement"}, "open", 1)
	s.addIssue(hello, "Typo in the guide", "It says 'teh'.", []string{"docs"}, "closed", 0)
	s.addPull(hello, pr, "octocat:greeting", "greeting")
}

func (s *Server) addRepo(name, desc, lang string, private bool, stars int, topics []string) *repoState {
	full := Login + "/" + name
	vis := "public"
	if private {
		vis = "private"
	}
	r := &repoState{
		repo: repoJSON{
			ID: s.newID(), NodeID: "R_" + name, Name: name, FullName: full, Owner: s.user(),
			Private: private, HTMLURL: htmlBase + "/" + full, URL: s.URL + "/repos/" + full,
			CreatedAt: "2023-03-01T09:00:00Z", UpdatedAt: seedTime, PushedAt: seedTime,
			StargazersCount: stars, WatchersCount: stars, ForksCount: stars / 8,
			DefaultBranch: branch, Visibility: vis, HasIssues: true, Topics: topics,
		},
		issues: map[int]*issueState{},
		pulls:  map[int]*pullDetail{},
		labels: map[string]labelJSON{},
		files:  map[string][]byte{},
	}
	if r.repo.Topics == nil {
		r.repo.Topics = []string{}
	}
	if desc != "" {
		r.repo.Description = ptr(desc)
	}
	if lang != "" {
		r.repo.Language = ptr(lang)
	}
	for name, color := range map[string]string{"bug": "d73a4a", "docs": "0075ca", "enhancement": "a2eeef"} {
		r.labels[name] = s.newLabel(r, name, color)
	}
	s.repos[strings.ToLower(full)] = r
	return r
}

func (s *Server) newLabel(r *repoState, name, color string) labelJSON {
	id := s.newID()
	return labelJSON{ID: id, NodeID: fmt.Sprintf("LA_%d", id), URL: r.repo.URL + "/labels/" + name, Name: name, Color: color}
}

func (s *Server) newID() int64 {
	s.nextID++
	return s.nextID
}

// addIssue stores a new issue; the caller holds s.mu or is seeding.
func (s *Server) addIssue(r *repoState, title, body string, labels []string, state string, comments int) *issueState {
	r.last++
	n := r.last
	id := s.newID()
	apiURL := fmt.Sprintf("%s/issues/%d", r.repo.URL, n)
	is := &issueState{issue: issueJSON{
		ID: id, NodeID: fmt.Sprintf("I_%d", id), URL: apiURL, RepositoryURL: r.repo.URL,
		CommentsURL: apiURL + "/comments", HTMLURL: fmt.Sprintf("%s/issues/%d", r.repo.HTMLURL, n),
		Number: n, State: state, Title: title, User: s.user(), Labels: []labelJSON{},
		Assignees: []simpleUser{}, CreatedAt: seedTime, UpdatedAt: seedTime, AuthorAssociation: "OWNER",
	}}
	if body != "" {
		is.issue.Body = ptr(body)
	}
	for _, l := range labels {
		lj, ok := r.labels[l]
		if !ok {
			lj = s.newLabel(r, l, "ededed")
			r.labels[l] = lj
		}
		is.issue.Labels = append(is.issue.Labels, lj)
	}
	if state == "closed" {
		is.issue.ClosedAt, is.issue.StateReason = ptr(seedTime), ptr("completed")
	} else {
		r.repo.OpenIssuesCount++
	}
	for i := range comments {
		s.addComment(r, is, fmt.Sprintf("Comment %d.", i+1), seedTime)
	}
	r.issues[n] = is
	return is
}

func (s *Server) addComment(r *repoState, is *issueState, body, at string) commentJSON {
	id := s.newID()
	c := commentJSON{
		ID: id, NodeID: fmt.Sprintf("IC_%d", id), URL: fmt.Sprintf("%s/issues/comments/%d", r.repo.URL, id),
		HTMLURL: fmt.Sprintf("%s#issuecomment-%d", is.issue.HTMLURL, id), Body: body, User: s.user(),
		CreatedAt: at, UpdatedAt: at, IssueURL: is.issue.URL, AuthorAssociation: "OWNER",
	}
	is.comments = append(is.comments, c)
	is.issue.Comments = len(is.comments)
	return c
}

// addPull turns an issue into a pull request, as GitHub models them.
func (s *Server) addPull(r *repoState, is *issueState, headLabel, headRef string) {
	n := is.issue.Number
	pullURL := fmt.Sprintf("%s/pulls/%d", r.repo.URL, n)
	html := fmt.Sprintf("%s/pull/%d", r.repo.HTMLURL, n)
	is.issue.HTMLURL = html
	is.issue.PullRequest = &prLinks{URL: pullURL, HTMLURL: html, DiffURL: html + ".diff", PatchURL: html + ".patch"}
	repo := r.repo
	r.pulls[n] = &pullDetail{
		pullJSON: pullJSON{
			URL: pullURL, ID: s.newID(), NodeID: fmt.Sprintf("PR_%d", n), HTMLURL: html,
			DiffURL: html + ".diff", PatchURL: html + ".patch", IssueURL: is.issue.URL,
			Number: n, State: is.issue.State, Title: is.issue.Title, User: s.user(), Body: is.issue.Body,
			Labels: is.issue.Labels, CreatedAt: seedTime, UpdatedAt: seedTime, Assignees: []simpleUser{},
			Head:              branchJSON{Label: headLabel, Ref: headRef, SHA: headSHA, User: s.user(), Repo: &repo},
			Base:              branchJSON{Label: Login + ":" + branch, Ref: branch, SHA: "e5bd3914e2e596debea16f433f57875b5b90bcd6", User: s.user(), Repo: &repo},
			AuthorAssociation: "OWNER",
		},
		Mergeable: ptr(true), MergeableState: "clean", Comments: is.issue.Comments,
		Commits: 3, Additions: 42, Deletions: 7, ChangedFiles: 2,
	}
}

// lookup finds a repository; GitHub matches owner and name case-insensitively.
func (s *Server) lookup(owner, name string) *repoState {
	return s.repos[strings.ToLower(owner+"/"+name)]
}

func (s *Server) sortedRepos() []*repoState {
	rs := make([]*repoState, 0, len(s.repos))
	for _, r := range s.repos {
		rs = append(rs, r)
	}
	sort.Slice(rs, func(i, j int) bool { return rs[i].repo.FullName < rs[j].repo.FullName })
	return rs
}

func now() string { return time.Now().UTC().Format(time.RFC3339) }
