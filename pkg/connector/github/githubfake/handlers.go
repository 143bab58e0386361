package githubfake

import (
	"encoding/json"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
)

func (s *Server) routes() *http.ServeMux {
	m := http.NewServeMux()
	m.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) { notFound(w) })
	m.HandleFunc("GET /user", s.getUser)
	m.HandleFunc("GET /user/repos", s.listRepos)
	m.HandleFunc("GET /repos/{owner}/{repo}", s.withRepo(s.getRepo))
	m.HandleFunc("GET /repos/{owner}/{repo}/issues", s.withRepo(s.listIssues))
	m.HandleFunc("POST /repos/{owner}/{repo}/issues", s.withRepoW(s.createIssue))
	m.HandleFunc("GET /repos/{owner}/{repo}/issues/{number}", s.withRepo(s.getIssue))
	m.HandleFunc("GET /repos/{owner}/{repo}/issues/{number}/comments", s.withRepo(s.listComments))
	m.HandleFunc("POST /repos/{owner}/{repo}/issues/{number}/comments", s.withRepoW(s.createComment))
	m.HandleFunc("GET /repos/{owner}/{repo}/pulls", s.withRepo(s.listPulls))
	m.HandleFunc("GET /repos/{owner}/{repo}/pulls/{number}", s.withRepo(s.getPull))
	m.HandleFunc("GET /repos/{owner}/{repo}/contents", s.withRepo(s.getContents))
	m.HandleFunc("GET /repos/{owner}/{repo}/contents/{path...}", s.withRepo(s.getContents))
	m.HandleFunc("GET /search/issues", s.searchIssues)
	m.HandleFunc("GET /search/code", s.searchCode)
	return m
}

type repoHandler func(w http.ResponseWriter, r *http.Request, repo *repoState)

// withRepo resolves {owner}/{repo} under a read lock; withRepoW under the
// write lock for handlers that change state.
func (s *Server) withRepo(h repoHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.mu.RLock()
		defer s.mu.RUnlock()
		s.serveRepo(w, r, h)
	}
}

func (s *Server) withRepoW(h repoHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.serveRepo(w, r, h)
	}
}

func (s *Server) serveRepo(w http.ResponseWriter, r *http.Request, h repoHandler) {
	repo := s.lookup(r.PathValue("owner"), r.PathValue("repo"))
	if repo == nil {
		notFound(w)
		return
	}
	h(w, r, repo)
}

func (s *Server) getUser(w http.ResponseWriter, _ *http.Request) {
	u := s.user()
	writeJSON(w, http.StatusOK, map[string]any{
		"login": u.Login, "id": u.ID, "node_id": u.NodeID, "avatar_url": u.AvatarURL, "url": u.URL,
		"html_url": u.HTMLURL, "type": u.Type, "site_admin": false, "name": "The Octocat",
		"company": "@github", "blog": "https://github.blog", "location": "San Francisco", "email": nil,
		"bio": nil, "public_repos": 1, "followers": 20, "following": 0,
		"created_at": "2011-01-25T18:44:36Z", "updated_at": seedTime,
	})
}

func (s *Server) listRepos(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	vis := q.Get("visibility")
	if vis != "" && vis != "all" && vis != "public" && vis != "private" {
		writeError(w, http.StatusUnprocessableEntity, "Validation Failed", fieldError{Resource: "Repository", Field: "visibility", Code: "invalid"})
		return
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []repoJSON
	for _, rs := range s.sortedRepos() {
		if vis == "" || vis == "all" || vis == rs.repo.Visibility {
			out = append(out, rs.repo)
		}
	}
	if sortBy := q.Get("sort"); sortBy == "created" || sortBy == "updated" || sortBy == "pushed" {
		key := map[string]func(repoJSON) string{
			"created": func(r repoJSON) string { return r.CreatedAt },
			"updated": func(r repoJSON) string { return r.UpdatedAt },
			"pushed":  func(r repoJSON) string { return r.PushedAt },
		}[sortBy]
		sort.SliceStable(out, func(i, j int) bool { return key(out[i]) > key(out[j]) })
	}
	writeJSON(w, http.StatusOK, paginate(s, w, r, out))
}

func (s *Server) getRepo(w http.ResponseWriter, _ *http.Request, repo *repoState) {
	writeJSON(w, http.StatusOK, repo.repo)
}

func (s *Server) listIssues(w http.ResponseWriter, r *http.Request, repo *repoState) {
	q := r.URL.Query()
	state := q.Get("state")
	if state == "" {
		state = "open"
	}
	var want []string
	if l := q.Get("labels"); l != "" {
		want = strings.Split(l, ",")
	}
	out := []issueJSON{}
	for _, is := range sortedIssues(repo) {
		if (state == "all" || is.issue.State == state) && hasLabels(is.issue.Labels, want) {
			out = append(out, is.issue)
		}
	}
	writeJSON(w, http.StatusOK, paginate(s, w, r, out))
}

// sortedIssues orders newest first, GitHub's default (sort=created, desc).
func sortedIssues(repo *repoState) []*issueState {
	out := make([]*issueState, 0, len(repo.issues))
	for _, is := range repo.issues {
		out = append(out, is)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].issue.Number > out[j].issue.Number })
	return out
}

func hasLabels(have []labelJSON, want []string) bool {
	for _, w := range want {
		found := false
		for _, h := range have {
			found = found || strings.EqualFold(h.Name, strings.TrimSpace(w))
		}
		if !found {
			return false
		}
	}
	return true
}

func issueNumber(r *http.Request, repo *repoState) *issueState {
	n, err := strconv.Atoi(r.PathValue("number"))
	if err != nil {
		return nil
	}
	return repo.issues[n]
}

func (s *Server) getIssue(w http.ResponseWriter, r *http.Request, repo *repoState) {
	if is := issueNumber(r, repo); is != nil {
		writeJSON(w, http.StatusOK, is.issue)
		return
	}
	notFound(w)
}

func (s *Server) createIssue(w http.ResponseWriter, r *http.Request, repo *repoState) {
	var in struct {
		Title     *string  `json:"title"`
		Body      string   `json:"body"`
		Labels    []string `json:"labels"`
		Assignees []string `json:"assignees"`
	}
	if !decodeBody(w, r, &in) {
		return
	}
	if in.Title == nil || strings.TrimSpace(*in.Title) == "" {
		writeError(w, http.StatusUnprocessableEntity, "Validation Failed", fieldError{Resource: "Issue", Field: "title", Code: "missing_field"})
		return
	}
	is := s.addIssue(repo, *in.Title, in.Body, in.Labels, "open", 0)
	is.issue.CreatedAt, is.issue.UpdatedAt = now(), now()
	for _, a := range in.Assignees {
		// Only the seeded user exists; GitHub drops assignees it cannot assign.
		if strings.EqualFold(a, Login) {
			is.issue.Assignees = append(is.issue.Assignees, s.user())
			is.issue.Assignee = ptr(s.user())
		}
	}
	w.Header().Set("Location", is.issue.URL)
	writeJSON(w, http.StatusCreated, is.issue)
}

func (s *Server) listComments(w http.ResponseWriter, r *http.Request, repo *repoState) {
	is := issueNumber(r, repo)
	if is == nil {
		notFound(w)
		return
	}
	writeJSON(w, http.StatusOK, paginate(s, w, r, append([]commentJSON{}, is.comments...)))
}

func (s *Server) createComment(w http.ResponseWriter, r *http.Request, repo *repoState) {
	is := issueNumber(r, repo)
	if is == nil {
		notFound(w)
		return
	}
	var in struct {
		Body *string `json:"body"`
	}
	if !decodeBody(w, r, &in) {
		return
	}
	if in.Body == nil || *in.Body == "" {
		writeError(w, http.StatusUnprocessableEntity, "Validation Failed", fieldError{Resource: "IssueComment", Field: "body", Code: "missing_field"})
		return
	}
	c := s.addComment(repo, is, *in.Body, now())
	is.issue.UpdatedAt = c.CreatedAt
	if pr := repo.pulls[is.issue.Number]; pr != nil {
		pr.Comments = is.issue.Comments
	}
	w.Header().Set("Location", c.URL)
	writeJSON(w, http.StatusCreated, c)
}

// decodeBody answers 400 "Problems parsing JSON" as GitHub does for a body
// that is not a JSON object.
func decodeBody(w http.ResponseWriter, r *http.Request, v any) bool {
	b, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil || json.Unmarshal(b, v) != nil {
		writeError(w, http.StatusBadRequest, "Problems parsing JSON")
		return false
	}
	return true
}

func (s *Server) listPulls(w http.ResponseWriter, r *http.Request, repo *repoState) {
	state := r.URL.Query().Get("state")
	if state == "" {
		state = "open"
	}
	out := []pullJSON{}
	for _, is := range sortedIssues(repo) {
		if pr := repo.pulls[is.issue.Number]; pr != nil && (state == "all" || pr.State == state) {
			out = append(out, pr.pullJSON)
		}
	}
	writeJSON(w, http.StatusOK, paginate(s, w, r, out))
}

func (s *Server) getPull(w http.ResponseWriter, r *http.Request, repo *repoState) {
	n, _ := strconv.Atoi(r.PathValue("number"))
	if pr := repo.pulls[n]; pr != nil {
		writeJSON(w, http.StatusOK, pr)
		return
	}
	notFound(w)
}

// CommentBodies returns the bodies of the comments on an issue or pull
// request, oldest first, so tests can see what a tool posted.
func (s *Server) CommentBodies(owner, repo string, number int) []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	rs := s.lookup(owner, repo)
	if rs == nil || rs.issues[number] == nil {
		return nil
	}
	var out []string
	for _, c := range rs.issues[number].comments {
		out = append(out, c.Body)
	}
	return out
}
