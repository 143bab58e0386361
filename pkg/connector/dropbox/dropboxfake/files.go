package dropboxfake

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"
)

// rpcRoute is an RPC route: the scopes it needs ("a|b": either) and its
// handler, which runs with s.mu held.
type rpcRoute struct {
	scope string
	fn    func(s *Server, w http.ResponseWriter, route string, t *token, arg json.RawMessage)
}

var routes = map[string]rpcRoute{
	"files/list_folder":                        {"files.metadata.read", (*Server).listFolder},
	"files/list_folder/continue":               {"files.metadata.read", (*Server).listFolderContinue},
	"files/search_v2":                          {"files.metadata.read", (*Server).searchV2},
	"sharing/create_shared_link_with_settings": {"sharing.write", (*Server).createSharedLink},
	"sharing/list_shared_links":                {"sharing.read", (*Server).listSharedLinks},
	"users/get_current_account":                {"account_info.read", (*Server).currentAccount},
	"auth/token/revoke":                        {"", (*Server).revokeToken},
}

// readPath is the pattern Dropbox documents for paths that may name the
// root ("") or an id.
var readPath = regexp.MustCompile(`^(/(.|[\r\n])*|id:.*|rev:[0-9a-f]{9,}(/.*)?|ns:[0-9]+(/.*)?)?$`)

// decodeArg unmarshals an RPC argument, answering 400 on a bad one.
func decodeArg(w http.ResponseWriter, route string, arg json.RawMessage, v any) bool {
	if string(arg) == "null" {
		badArg(w, route, "expected an object, got null")
		return false
	}
	if err := json.Unmarshal(arg, v); err != nil {
		badArg(w, route, "could not decode input as JSON")
		return false
	}
	return true
}

// checkPath answers 400 for a path Dropbox's validation refuses.
func checkPath(w http.ResponseWriter, route, p string, root bool) bool {
	switch {
	case p == "/":
		badArg(w, route, `path: Specify the root folder as an empty string rather than as "/".`)
		return false
	case p == "" && !root, !readPath.MatchString(p), strings.HasSuffix(p, "/"):
		badArg(w, route, fmt.Sprintf("path: '%s' did not match pattern '(/(.|[\\r\\n])*)?|id:.*|(ns:[0-9]+(/.*)?)'", p))
		return false
	}
	return true
}

type listCursor struct {
	Path      string `json:"p"`
	Recursive bool   `json:"r"`
	Offset    int    `json:"o"`
	Limit     int    `json:"l"`
}

func (s *Server) listFolder(w http.ResponseWriter, route string, _ *token, arg json.RawMessage) {
	a := struct {
		Path      *string `json:"path"`
		Recursive bool    `json:"recursive"`
		Limit     *int    `json:"limit"`
	}{}
	if !decodeArg(w, route, arg, &a) {
		return
	}
	if a.Path == nil {
		badArg(w, route, `missing required field "path"`)
		return
	}
	limit := 2000
	if a.Limit != nil {
		if *a.Limit < 1 || *a.Limit > 2000 {
			badArg(w, route, fmt.Sprintf("limit: %d is not within range [1, 2000]", *a.Limit))
			return
		}
		limit = *a.Limit
	}
	if !checkPath(w, route, *a.Path, true) {
		return
	}
	dir := ""
	if *a.Path != "" {
		e := s.lookup(*a.Path)
		switch {
		case e == nil:
			lookupError(w, "not_found")
			return
		case !e.folder:
			lookupError(w, "not_folder")
			return
		}
		dir = e.display
	}
	s.listPage(w, listCursor{Path: dir, Recursive: a.Recursive, Limit: limit})
}

func (s *Server) listFolderContinue(w http.ResponseWriter, route string, _ *token, arg json.RawMessage) {
	var a struct {
		Cursor string `json:"cursor"`
	}
	if !decodeArg(w, route, arg, &a) {
		return
	}
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(a.Cursor, "AAF"))
	var c listCursor
	if err != nil || !strings.HasPrefix(a.Cursor, "AAF") || json.Unmarshal(raw, &c) != nil {
		badArg(w, route, "cursor: invalid cursor")
		return
	}
	if c.Path != "" && s.lookup(c.Path) == nil {
		writeRouteError(w, "reset", map[string]any{".tag": "reset"})
		return
	}
	s.listPage(w, c)
}

func (s *Server) listPage(w http.ResponseWriter, c listCursor) {
	all := s.children(c.Path, c.Recursive)
	start := min(c.Offset, len(all))
	end := min(start+c.Limit, len(all))
	entries := make([]map[string]any, 0, end-start)
	for _, e := range all[start:end] {
		entries = append(entries, e.view(true))
	}
	next := c
	next.Offset = end
	b, _ := json.Marshal(next)
	writeJSON(w, http.StatusOK, map[string]any{"entries": entries, "cursor": "AAF" + base64.RawURLEncoding.EncodeToString(b), "has_more": end < len(all)})
}

func (s *Server) searchV2(w http.ResponseWriter, route string, _ *token, arg json.RawMessage) {
	var a struct {
		Query   string `json:"query"`
		Options struct {
			Path       string `json:"path"`
			MaxResults *int   `json:"max_results"`
		} `json:"options"`
	}
	if !decodeArg(w, route, arg, &a) {
		return
	}
	if utf8.RuneCountInString(a.Query) > 1000 {
		badArg(w, route, "query: length exceeds the maximum of 1000")
		return
	}
	maxResults := 100
	if m := a.Options.MaxResults; m != nil {
		if *m < 1 || *m > 1000 {
			badArg(w, route, fmt.Sprintf("options.max_results: %d is not within range [1, 1000]", *m))
			return
		}
		maxResults = *m
	}
	dir := ""
	if a.Options.Path != "" {
		if !checkPath(w, route, a.Options.Path, true) {
			return
		}
		e := s.lookup(a.Options.Path)
		if e == nil {
			lookupError(w, "not_found")
			return
		}
		dir = e.display
	}
	words := strings.Fields(strings.ToLower(a.Query))
	type hit struct {
		e    *entry
		kind string
	}
	var hits []hit
	for _, e := range s.children(dir, true) {
		name, body := containsAll(strings.ToLower(e.name()), words), !e.folder && containsAll(strings.ToLower(string(e.content)), words)
		switch {
		case len(words) == 0:
		case name && body:
			hits = append(hits, hit{e, "filename_and_content"})
		case name:
			hits = append(hits, hit{e, "filename"})
		case body && utf8.Valid(e.content):
			hits = append(hits, hit{e, "file_content"})
		}
	}
	slices.SortStableFunc(hits, func(a, b hit) int { return boolRank(a.kind == "file_content") - boolRank(b.kind == "file_content") })
	matches := []map[string]any{}
	for _, h := range hits[:min(maxResults, len(hits))] {
		matches = append(matches, map[string]any{
			"metadata":   map[string]any{".tag": "metadata", "metadata": h.e.view(true)},
			"match_type": map[string]any{".tag": h.kind}, "highlight_spans": []any{},
		})
	}
	out := map[string]any{"matches": matches, "has_more": len(hits) > maxResults}
	if len(hits) > maxResults {
		out["cursor"] = "AAFsearch" + base64.RawURLEncoding.EncodeToString([]byte(a.Query))
	}
	writeJSON(w, http.StatusOK, out)
}

func containsAll(s string, words []string) bool {
	for _, w := range words {
		if !strings.Contains(s, w) {
			return false
		}
	}
	return true
}

func boolRank(b bool) int {
	if b {
		return 1
	}
	return 0
}

func (s *Server) currentAccount(w http.ResponseWriter, route string, _ *token, arg json.RawMessage) {
	if string(arg) != "null" {
		badArg(w, route, "expected null, got value")
		return
	}
	writeJSON(w, http.StatusOK, s.accountView())
}

// revokeToken ends the token's grant: the access token and, if it came
// from one, its refresh token with every token minted from it.
func (s *Server) revokeToken(w http.ResponseWriter, _ string, t *token, _ json.RawMessage) {
	t.revoked = true
	if t.refresh != "" {
		if rg := s.refresh[t.refresh]; rg != nil {
			rg.revoked = true
		}
		for _, other := range s.tokens {
			if other.refresh == t.refresh {
				other.revoked = true
			}
		}
	}
	writeJSON(w, http.StatusOK, nil)
}
