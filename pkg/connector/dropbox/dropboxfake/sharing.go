package dropboxfake

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/mcpgate/mcpgate/pkg/connector/fakekit"
)

// linkView is sharing.SharedLinkMetadata for e with url.
func (e *entry) linkView(url string) map[string]any {
	v := map[string]any{
		"url": url, "id": e.id, "name": e.name(), "path_lower": strings.ToLower(e.display),
		"link_permissions": map[string]any{
			"resolved_visibility": map[string]any{".tag": "public"}, "requested_visibility": map[string]any{".tag": "public"},
			"can_revoke": true, "allow_download": true, "allow_comments": true,
			"effective_audience": map[string]any{".tag": "public"}, "link_access_level": map[string]any{".tag": "viewer"},
		},
	}
	if e.folder {
		v[".tag"] = "folder"
		return v
	}
	file := e.view(false)
	v[".tag"] = "file"
	for _, k := range []string{"client_modified", "server_modified", "rev", "size"} {
		v[k] = file[k]
	}
	return v
}

func (s *Server) createSharedLink(w http.ResponseWriter, route string, _ *token, arg json.RawMessage) {
	var a struct {
		Path string `json:"path"`
	}
	if !decodeArg(w, route, arg, &a) || !checkPath(w, route, a.Path, false) {
		return
	}
	e := s.lookup(a.Path)
	if e == nil {
		lookupError(w, "not_found")
		return
	}
	key := strings.ToLower(e.display)
	if url, ok := s.links[key]; ok {
		if s.bareConflicts {
			writeRouteError(w, "shared_link_already_exists", map[string]any{".tag": "shared_link_already_exists"})
			return
		}
		writeRouteError(w, "shared_link_already_exists/metadata", map[string]any{
			".tag":                       "shared_link_already_exists",
			"shared_link_already_exists": map[string]any{".tag": "metadata", "metadata": e.linkView(url)},
		})
		return
	}
	kind := "fi"
	if e.folder {
		kind = "fo"
	}
	url := "https://www.dropbox.com/scl/" + kind + "/" + strings.TrimPrefix(e.id, "id:") + "/" + e.name() + "?rlkey=" + fakekit.RandomString(12) + "&dl=0"
	s.links[key] = url
	writeJSON(w, http.StatusOK, e.linkView(url))
}

func (s *Server) listSharedLinks(w http.ResponseWriter, route string, _ *token, arg json.RawMessage) {
	var a struct {
		Path       string `json:"path"`
		DirectOnly bool   `json:"direct_only"`
	}
	if !decodeArg(w, route, arg, &a) || !checkPath(w, route, a.Path, true) {
		return
	}
	links := []map[string]any{}
	for key, url := range s.links {
		e := s.entries[key]
		if e == nil {
			continue
		}
		target := strings.ToLower(a.Path)
		if a.Path == "" || key == target || (!a.DirectOnly && strings.HasPrefix(target, key+"/")) {
			links = append(links, e.linkView(url))
		}
	}
	if a.Path != "" && s.lookup(a.Path) == nil {
		lookupError(w, "not_found")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"links": links, "has_more": false})
}

// RemoveSharedLinks forgets every shared link, for tests.
func (s *Server) RemoveSharedLinks() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.links = map[string]string{}
}
