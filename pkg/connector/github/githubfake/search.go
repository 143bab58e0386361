package githubfake

import (
	"net/http"
	"path"
	"sort"
	"strings"
)

// query is a parsed search string: free words plus qualifiers. The fake
// understands the qualifiers tests use and ignores others, as GitHub
// ignores ones that do not apply to the searched type.
type query struct {
	words []string
	quals map[string][]string
}

func parseQuery(q string) query {
	out := query{quals: map[string][]string{}}
	for _, f := range strings.Fields(q) {
		if k, v, ok := strings.Cut(f, ":"); ok && k != "" && v != "" {
			out.quals[strings.ToLower(k)] = append(out.quals[strings.ToLower(k)], strings.Trim(v, `"`))
			continue
		}
		out.words = append(out.words, strings.ToLower(strings.Trim(f, `"`)))
	}
	return out
}

// matches reports whether every word occurs in one of texts.
func (q query) matches(texts ...string) bool {
	all := strings.ToLower(strings.Join(texts, "\n"))
	for _, w := range q.words {
		if !strings.Contains(all, w) {
			return false
		}
	}
	return true
}

// allow reports whether v passes every value of the qualifier key.
func (q query) allow(key string, ok func(v string) bool) bool {
	for _, v := range q.quals[key] {
		if !ok(v) {
			return false
		}
	}
	return true
}

func missingQuery(w http.ResponseWriter) {
	writeError(w, http.StatusUnprocessableEntity, "Validation Failed", fieldError{Resource: "Search", Field: "q", Code: "missing"})
}

func (s *Server) searchIssues(w http.ResponseWriter, r *http.Request) {
	raw := strings.TrimSpace(r.URL.Query().Get("q"))
	if raw == "" {
		missingQuery(w)
		return
	}
	q := parseQuery(raw)
	if s.appUserToken() && !hasType(q) {
		// https://docs.github.com/rest/search/search#search-issues-and-pull-requests
		writeError(w, http.StatusUnprocessableEntity, "Validation Failed", fieldError{Resource: "Search", Field: "q", Code: "invalid", Message: "Query must include 'is:issue' or 'is:pull-request'"})
		return
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	var found []issueJSON
	for _, repo := range s.sortedRepos() {
		if !q.allow("repo", func(v string) bool { return strings.EqualFold(v, repo.repo.FullName) }) ||
			!q.allow("user", func(v string) bool { return strings.EqualFold(v, repo.repo.Owner.Login) }) {
			continue
		}
		for _, is := range sortedIssues(repo) {
			it := is.issue
			body := ""
			if it.Body != nil {
				body = *it.Body
			}
			if q.matches(it.Title, body) && issueQualifiers(q, it) {
				it.Score = ptr(1.0)
				found = append(found, it)
			}
		}
	}
	page := paginate(s, w, r, found)
	writeJSON(w, http.StatusOK, searchJSON[issueJSON]{TotalCount: len(found), Items: page})
}

// hasType reports whether q says is:issue or is:pull-request.
func hasType(q query) bool {
	for _, v := range q.quals["is"] {
		if v = strings.ToLower(v); v == "issue" || v == "pull-request" {
			return true
		}
	}
	return false
}

func issueQualifiers(q query, it issueJSON) bool {
	isPR := it.PullRequest != nil
	return q.allow("is", func(v string) bool {
		switch strings.ToLower(v) {
		case "issue":
			return !isPR
		case "pr", "pull-request":
			return isPR
		case "open", "closed":
			return it.State == strings.ToLower(v)
		}
		return true
	}) && q.allow("state", func(v string) bool { return it.State == strings.ToLower(v) }) &&
		q.allow("type", func(v string) bool { return (v == "pr") == isPR }) &&
		q.allow("author", func(v string) bool { return strings.EqualFold(v, it.User.Login) }) &&
		q.allow("label", func(v string) bool { return hasLabels(it.Labels, []string{v}) })
}

var languages = map[string]string{"go": ".go", "markdown": ".md", "python": ".py", "javascript": ".js"}

func (s *Server) searchCode(w http.ResponseWriter, r *http.Request) {
	raw := strings.TrimSpace(r.URL.Query().Get("q"))
	if raw == "" {
		missingQuery(w)
		return
	}
	q := parseQuery(raw)
	if len(q.words) == 0 {
		// Code search needs a search term besides qualifiers
		// (https://docs.github.com/search-github/searching-on-github/searching-code).
		writeError(w, http.StatusUnprocessableEntity, "Validation Failed", fieldError{Resource: "Search", Field: "q", Code: "invalid", Message: "The search must include at least one search term besides qualifiers"})
		return
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	var found []codeItemJSON
	for _, repo := range s.sortedRepos() {
		if !q.allow("repo", func(v string) bool { return strings.EqualFold(v, repo.repo.FullName) }) ||
			!q.allow("user", func(v string) bool { return strings.EqualFold(v, repo.repo.Owner.Login) }) {
			continue
		}
		paths := make([]string, 0, len(repo.files))
		for p := range repo.files {
			paths = append(paths, p)
		}
		sort.Strings(paths)
		for _, p := range paths {
			data := repo.files[p]
			ext := path.Ext(p)
			if !q.matches(p, string(data)) ||
				!q.allow("path", func(v string) bool { return strings.HasPrefix(p, strings.Trim(v, "/")) }) ||
				!q.allow("extension", func(v string) bool { return ext == "."+strings.TrimPrefix(v, ".") }) ||
				!q.allow("language", func(v string) bool { return languages[strings.ToLower(v)] == ext }) {
				continue
			}
			e := s.fileEntry(repo, p, data, false)
			found = append(found, codeItemJSON{
				Name: e.Name, Path: e.Path, SHA: e.SHA, URL: e.URL, GitURL: e.GitURL, HTMLURL: e.HTMLURL,
				Repository: repo.repo, Score: 1.0,
			})
		}
	}
	page := paginate(s, w, r, found)
	writeJSON(w, http.StatusOK, searchJSON[codeItemJSON]{TotalCount: len(found), Items: page})
}
