package githubfake

import (
	"fmt"
	"net/http"
	"net/url"
	"path"
	"sort"
	"strconv"
	"strings"
)

// paginate cuts items to the requested page and sets the Link header the
// way GitHub does: per_page defaults to 30 and is capped at 100.
func paginate[T any](s *Server, w http.ResponseWriter, r *http.Request, items []T) []T {
	items = nonNil(items)
	q := r.URL.Query()
	per, err := strconv.Atoi(q.Get("per_page"))
	if err != nil || per < 1 {
		per = 30
	}
	per = min(per, 100)
	pageNo, err := strconv.Atoi(q.Get("page"))
	if err != nil || pageNo < 1 {
		pageNo = 1
	}
	last := max((len(items)+per-1)/per, 1)
	link := func(n int, rel string) string {
		q.Set("page", strconv.Itoa(n))
		return fmt.Sprintf(`<%s%s?%s>; rel="%s"`, s.URL, r.URL.Path, q.Encode(), rel)
	}
	var links []string
	if pageNo > 1 {
		links = append(links, link(pageNo-1, "prev"), link(1, "first"))
	}
	if pageNo < last {
		links = append(links, link(pageNo+1, "next"), link(last, "last"))
	}
	if len(links) > 0 {
		w.Header().Set("Link", strings.Join(links, ", "))
	}
	from := min((pageNo-1)*per, len(items))
	to := min(from+per, len(items))
	return items[from:to:to]
}

// nonNil makes an empty page encode as [] rather than null, as GitHub does.
func nonNil[T any](v []T) []T {
	if v == nil {
		return []T{}
	}
	return v
}

func (s *Server) getContents(w http.ResponseWriter, r *http.Request, repo *repoState) {
	if ref := r.URL.Query().Get("ref"); ref != "" && ref != branch && ref != headSHA {
		writeError(w, http.StatusNotFound, "No commit found for the ref "+ref)
		return
	}
	p := strings.Trim(r.PathValue("path"), "/")
	if data, ok := repo.files[p]; ok {
		if rawMedia(r.Header.Get("Accept")) {
			w.Header().Set("Content-Type", "application/vnd.github.raw; charset=utf-8")
			w.WriteHeader(http.StatusOK)
			_, _ = w.Write(data)
			return
		}
		writeJSON(w, http.StatusOK, s.fileEntry(repo, p, data, true))
		return
	}
	entries := s.dirEntries(repo, p)
	if len(entries) == 0 {
		notFound(w)
		return
	}
	writeJSON(w, http.StatusOK, entries)
}

// dirEntries lists the files and directories directly under dir.
func (s *Server) dirEntries(repo *repoState, dir string) []contentJSON {
	prefix := ""
	if dir != "" {
		prefix = dir + "/"
	}
	seen := map[string]bool{}
	var out []contentJSON
	for p, data := range repo.files {
		rest, ok := strings.CutPrefix(p, prefix)
		if !ok {
			continue
		}
		if sub, _, isDir := strings.Cut(rest, "/"); isDir {
			if !seen[sub] {
				seen[sub] = true
				out = append(out, s.dirEntry(repo, prefix+sub))
			}
			continue
		}
		out = append(out, s.fileEntry(repo, p, data, false))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func (s *Server) fileEntry(repo *repoState, p string, data []byte, withContent bool) contentJSON {
	sha := blobSHA(data)
	e := s.entry(repo, "file", p, sha, "blob")
	e.Size = len(data)
	e.DownloadURL = ptr("https://raw.githubusercontent.com/" + repo.repo.FullName + "/" + branch + "/" + p)
	switch {
	case withContent && len(data) > maxObjectContent:
		// 1-100 MB: the object has no content; ask for the raw media type.
		e.Encoding = "none"
		e.Content = ptr("")
	case withContent:
		e.Encoding = "base64"
		e.Content = ptr(wrap60(data))
	}
	return e
}

// maxObjectContent is the largest file whose content the contents API puts
// in the JSON object (https://docs.github.com/rest/repos/contents#get-repository-content).
const maxObjectContent = 1 << 20

// rawMedia reports whether accept asks for the raw media type.
func rawMedia(accept string) bool {
	for _, part := range strings.Split(accept, ",") {
		mt, _, _ := strings.Cut(strings.TrimSpace(part), ";")
		switch strings.TrimSpace(mt) {
		case "application/vnd.github.raw", "application/vnd.github.raw+json", "application/vnd.github.v3.raw":
			return true
		}
	}
	return false
}

func (s *Server) dirEntry(repo *repoState, p string) contentJSON {
	return s.entry(repo, "dir", p, blobSHA([]byte("tree "+p)), "tree")
}

func (s *Server) entry(repo *repoState, typ, p, sha, gitKind string) contentJSON {
	self := repo.repo.URL + "/contents/" + escapePath(p) + "?ref=" + branch
	git := repo.repo.URL + "/git/" + gitKind + "s/" + sha
	htmlKind := "blob"
	if typ == "dir" {
		htmlKind = "tree"
	}
	html := repo.repo.HTMLURL + "/" + htmlKind + "/" + branch + "/" + escapePath(p)
	return contentJSON{
		Type: typ, Name: path.Base(p), Path: p, SHA: sha, URL: self, GitURL: git, HTMLURL: html,
		Links: contentLinks{Self: self, Git: git, HTML: html},
	}
}

func escapePath(p string) string {
	segs := strings.Split(p, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return strings.Join(segs, "/")
}
