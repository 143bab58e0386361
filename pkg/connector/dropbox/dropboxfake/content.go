package dropboxfake

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"path"
	"strings"
)

// maxUpload is files/upload's documented limit.
const maxUpload = 150 << 20

// contentRoutes are served on content.dropboxapi.com in the real API; they
// take their argument in the Dropbox-API-Arg header. They run with s.mu held.
var contentRoutes = map[string]func(s *Server, w http.ResponseWriter, r *http.Request, t *token){
	"files/download": (*Server).download,
	"files/upload":   (*Server).upload,
}

// headerArg decodes Dropbox-API-Arg, which must be ASCII-only JSON.
func headerArg(w http.ResponseWriter, r *http.Request, route string, v any) bool {
	h := r.Header.Get("Dropbox-API-Arg")
	for i := 0; i < len(h); i++ {
		if h[i] >= 0x7f || (h[i] < 0x20 && h[i] != '\t') {
			writeText(w, http.StatusBadRequest, fmt.Sprintf("Error in call to API function %q: HTTP header \"Dropbox-API-Arg\": could not decode input as JSON", route))
			return false
		}
	}
	if h == "" {
		writeText(w, http.StatusBadRequest, fmt.Sprintf("Error in call to API function %q: Must provide HTTP header \"Dropbox-API-Arg\" or URL parameter \"arg\".", route))
		return false
	}
	if err := json.Unmarshal([]byte(h), v); err != nil {
		writeText(w, http.StatusBadRequest, fmt.Sprintf("Error in call to API function %q: HTTP header \"Dropbox-API-Arg\": could not decode input as JSON", route))
		return false
	}
	return true
}

// contentType checks a content route's Content-Type; download takes none.
func contentType(w http.ResponseWriter, r *http.Request, route string, required bool) bool {
	ct := r.Header.Get("Content-Type")
	mt, params, _ := mime.ParseMediaType(ct)
	if (ct == "" && !required) || mt == "application/octet-stream" || (mt == "text/plain" && params["charset"] == "dropbox-cors-hack") {
		return true
	}
	writeText(w, http.StatusBadRequest, fmt.Sprintf("Error in call to API function %q: Bad HTTP \"Content-Type\" header: %q.  Expecting one of \"application/octet-stream\", \"text/plain; charset=dropbox-cors-hack\".", route, ct))
	return false
}

func (s *Server) download(w http.ResponseWriter, r *http.Request, t *token) {
	const route = "files/download"
	var a struct {
		Path string `json:"path"`
	}
	if !contentType(w, r, route, false) || !headerArg(w, r, route, &a) || !checkPath(w, route, a.Path, false) {
		return
	}
	if !t.hasAny("files.content.read") {
		writeJSON(w, http.StatusUnauthorized, map[string]any{"error_summary": "missing_scope/..", "error": map[string]any{".tag": "missing_scope", "required_scope": "files.content.read"}})
		return
	}
	e := s.lookup(a.Path)
	switch {
	case e == nil:
		lookupError(w, "not_found")
		return
	case e.folder:
		lookupError(w, "not_file")
		return
	case !e.downloadable:
		writeRouteError(w, "unsupported_file", map[string]any{".tag": "unsupported_file"})
		return
	}
	meta, _ := json.Marshal(e.view(false))
	w.Header().Set("Dropbox-API-Result", asciiJSON(meta))
	w.Header().Set("Content-Type", "application/octet-stream")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(e.content)
}

// writeMode is files.WriteMode, sent as "add" or {".tag":"update","update":rev}.
type writeMode struct {
	Tag    string
	Update string
}

func (m *writeMode) UnmarshalJSON(b []byte) error {
	if json.Unmarshal(b, &m.Tag) == nil {
		return nil
	}
	var v struct {
		Tag    string `json:".tag"`
		Update string `json:"update"`
	}
	err := json.Unmarshal(b, &v)
	m.Tag, m.Update = v.Tag, v.Update
	return err
}

func (s *Server) upload(w http.ResponseWriter, r *http.Request, t *token) {
	const route = "files/upload"
	a := struct {
		Path       string    `json:"path"`
		Mode       writeMode `json:"mode"`
		Autorename bool      `json:"autorename"`
	}{Mode: writeMode{Tag: "add"}}
	if !contentType(w, r, route, true) || !headerArg(w, r, route, &a) {
		return
	}
	if !strings.HasPrefix(a.Path, "/") || strings.HasSuffix(a.Path, "/") {
		badArg(w, route, fmt.Sprintf("path: '%s' did not match pattern '(/(.|[\\r\\n])*)|(ns:[0-9]+(/.*)?)|(id:.*)'", a.Path))
		return
	}
	if a.Mode.Tag != "add" && a.Mode.Tag != "overwrite" && a.Mode.Tag != "update" {
		badArg(w, route, fmt.Sprintf("mode: unknown tag '%s'", a.Mode.Tag))
		return
	}
	if !t.hasAny("files.content.write") {
		writeJSON(w, http.StatusUnauthorized, map[string]any{"error_summary": "missing_scope/..", "error": map[string]any{".tag": "missing_scope", "required_scope": "files.content.write"}})
		return
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, maxUpload+1))
	if len(body) > maxUpload {
		writeText(w, http.StatusBadRequest, "Error in call to API function \"files/upload\": Request body too large.")
		return
	}
	target := a.Path
	for attempt := 1; ; attempt++ {
		if s.blockedByFile(target) {
			writeUploadConflict(w, "file_ancestor")
			return
		}
		old := s.entries[strings.ToLower(target)]
		switch {
		case old == nil,
			!old.folder && a.Mode.Tag == "overwrite",
			!old.folder && a.Mode.Tag == "update" && old.rev == a.Mode.Update:
			writeJSON(w, http.StatusOK, s.put(target, false, body).view(false))
			return
		case !old.folder && a.Mode.Tag == "add" && bytes.Equal(old.content, body):
			writeJSON(w, http.StatusOK, old.view(false)) // same content: no conflict
			return
		case !a.Autorename:
			kind := "file"
			if old.folder {
				kind = "folder"
			}
			writeUploadConflict(w, kind)
			return
		}
		ext := path.Ext(a.Path)
		target = fmt.Sprintf("%s (%d)%s", strings.TrimSuffix(a.Path, ext), attempt, ext)
	}
}

// blockedByFile reports whether a parent of p is a file.
func (s *Server) blockedByFile(p string) bool {
	for dir := path.Dir(p); dir != "/"; dir = path.Dir(dir) {
		if e := s.entries[strings.ToLower(dir)]; e != nil && !e.folder {
			return true
		}
	}
	return false
}

func writeUploadConflict(w http.ResponseWriter, kind string) {
	writeRouteError(w, "path/conflict/"+kind, map[string]any{".tag": "path",
		"reason":            map[string]any{".tag": "conflict", "conflict": map[string]any{".tag": kind}},
		"upload_session_id": "pid_upload_session:FAKE"})
}

// asciiJSON escapes everything above 0x7E as \uXXXX, as Dropbox does for
// the Dropbox-API-Result header.
func asciiJSON(b []byte) string {
	var sb strings.Builder
	for _, r := range string(b) {
		switch {
		case r < 0x7f:
			sb.WriteRune(r)
		case r > 0xffff:
			r -= 0x10000
			fmt.Fprintf(&sb, `\u%04x\u%04x`, 0xd800+(r>>10), 0xdc00+(r&0x3ff))
		default:
			fmt.Fprintf(&sb, `\u%04x`, r)
		}
	}
	return sb.String()
}
