package googlefake

import (
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

const timeLayout = "2006-01-02T15:04:05.000Z"

// Google's own file types, which have exports instead of contents.
const (
	MimeDoc    = "application/vnd.google-apps.document"
	MimeSheet  = "application/vnd.google-apps.spreadsheet"
	MimeForm   = "application/vnd.google-apps.form"
	MimeFolder = "application/vnd.google-apps.folder"
)

type file struct {
	id, name, mimeType, description string
	parents                         []string
	content                         []byte            // stored files
	exports                         map[string][]byte // Google types, by export MIME type
	created, modified               time.Time
	starred, trashed, appCreated    bool
}

type drive struct {
	files      map[string]*file
	order      []string // creation order
	lastUpload Upload
}

func (f *file) isGoogleType() bool {
	return strings.HasPrefix(f.mimeType, "application/vnd.google-apps.")
}

func (f *file) fullText() string {
	text := f.name + " " + f.description + " " + string(f.exports["text/plain"]) + " " + string(f.exports["text/csv"])
	if strings.HasPrefix(f.mimeType, "text/") || f.mimeType == "application/json" {
		text += " " + string(f.content)
	}
	return text
}

func (f *file) webViewLink() string {
	switch f.mimeType {
	case MimeDoc:
		return "https://docs.google.com/document/d/" + f.id + "/edit?usp=drivesdk"
	case MimeSheet:
		return "https://docs.google.com/spreadsheets/d/" + f.id + "/edit?usp=drivesdk"
	case MimeForm:
		return "https://docs.google.com/forms/d/" + f.id + "/edit?usp=drivesdk"
	case MimeFolder:
		return "https://drive.google.com/drive/folders/" + f.id
	}
	return "https://drive.google.com/file/d/" + f.id + "/view?usp=drivesdk"
}

// resource is the full File resource as decoded JSON, for fields to cut.
func (f *file) resource() map[string]any {
	parents := make([]any, len(f.parents))
	for i, p := range f.parents {
		parents[i] = p
	}
	r := map[string]any{
		"kind": "drive#file", "id": f.id, "name": f.name, "mimeType": f.mimeType,
		"starred": f.starred, "trashed": f.trashed, "explicitlyTrashed": f.trashed, "parents": parents,
		"spaces": []any{"drive"}, "version": "7", "webViewLink": f.webViewLink(),
		"iconLink":    "https://drive-thirdparty.googleusercontent.com/16/type/" + f.mimeType,
		"createdTime": f.created.Format(timeLayout), "modifiedTime": f.modified.Format(timeLayout),
		"owners": []any{map[string]any{
			"kind": "drive#user", "displayName": DisplayName, "emailAddress": Email, "me": true, "permissionId": "07046372711352425611",
		}},
		"ownedByMe": true, "shared": false, "viewedByMe": true,
	}
	if f.description != "" {
		r["description"] = f.description
	}
	if !f.isGoogleType() {
		r["size"] = strconv.Itoa(len(f.content)) // int64 fields are JSON strings
		r["originalFilename"] = f.name
		r["webContentLink"] = "https://drive.google.com/uc?id=" + f.id + "&export=download"
	}
	return r
}

func (s *Server) driveRoutes(m *http.ServeMux) {
	m.HandleFunc("GET /drive/v3/about", s.api(driveReadScopes, s.withDrive(s.about)))
	m.HandleFunc("GET /drive/v3/files", s.api(driveReadScopes, s.withDrive(s.listFiles)))
	m.HandleFunc("GET /drive/v3/files/{id}", s.api(driveReadScopes, s.withDrive(s.getFile)))
	m.HandleFunc("GET /drive/v3/files/{id}/export", s.api(driveReadScopes, s.withDrive(s.exportFile)))
	m.HandleFunc("POST /upload/drive/v3/files", s.api(driveWriteScopes, s.withDrive(s.upload)))
}

// driveHandler gets whether the token sees the whole Drive (drive or
// drive.readonly) or only the files it created (drive.file alone).
type driveHandler func(w http.ResponseWriter, r *http.Request, all bool)

func (s *Server) withDrive(h driveHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		_, tok, _ := strings.Cut(r.Header.Get("Authorization"), " ")
		s.mu.Lock()
		defer s.mu.Unlock()
		g := s.auth.access[strings.TrimSpace(tok)]
		h(w, r, g != nil && g.hasAny([]string{ScopeDrive, ScopeDriveReadonly}))
	}
}

// fields parses the fields parameter (or def) and checks its names; it
// answers 400 itself on failure.
func fields(w http.ResponseWriter, r *http.Request, def string, known map[string]bool, nested string) (fieldTree, bool) {
	sel := r.URL.Query().Get("fields")
	if sel == "" {
		sel = def
	}
	t, err := parseFields(sel)
	bad := ""
	if err == nil {
		bad = t.unknown(known)
		if bad == "" && nested != "" && t[nested] != nil {
			bad = t[nested].unknown(fileFieldNames)
		}
	}
	if err != nil || bad != "" {
		badRequest(w, "Invalid field selection "+bad, "fields")
		return nil, false
	}
	return t, true
}

func (s *Server) about(w http.ResponseWriter, r *http.Request, _ bool) {
	if r.URL.Query().Get("fields") == "" {
		badRequest(w, "The 'fields' parameter is required for this method.", "fields")
		return
	}
	t, ok := fields(w, r, "", setOf("kind,user,storageQuota,maxUploadSize,appInstalled"), "")
	if !ok {
		return
	}
	full := map[string]any{
		"kind": "drive#about", "appInstalled": false, "maxUploadSize": "5242880000000",
		"user": map[string]any{"kind": "drive#user", "displayName": DisplayName, "me": true,
			"permissionId": "07046372711352425611", "emailAddress": Email},
		"storageQuota": map[string]any{"limit": "16106127360", "usage": "1048576"},
	}
	writeJSON(w, http.StatusOK, t.apply(full))
}

func (s *Server) visible(id string, all bool) *file {
	f := s.drive.files[id]
	if f == nil || (!all && !f.appCreated) {
		return nil
	}
	return f
}

func fileNotFound(w http.ResponseWriter, id string) {
	msg := "File not found: " + id + "."
	writeError(w, http.StatusNotFound, "NOT_FOUND", msg,
		errItem{Message: msg, Domain: "global", Reason: "notFound", Location: "fileId", LocationType: "parameter"})
}

func (s *Server) getFile(w http.ResponseWriter, r *http.Request, all bool) {
	f := s.visible(r.PathValue("id"), all)
	if f == nil {
		fileNotFound(w, r.PathValue("id"))
		return
	}
	switch r.URL.Query().Get("alt") {
	case "media":
		if f.isGoogleType() {
			msg := "Only files with binary content can be downloaded. Use Export with Docs Editors files."
			writeError(w, http.StatusForbidden, "PERMISSION_DENIED", msg,
				errItem{Message: msg, Domain: "global", Reason: "fileNotDownloadable", Location: "alt", LocationType: "parameter"})
			return
		}
		w.Header().Set("Content-Type", f.mimeType)
		_, _ = w.Write(f.content)
		return
	case "", "json":
	default:
		badRequest(w, "Invalid value for alt", "alt")
		return
	}
	t, ok := fields(w, r, "kind,id,name,mimeType", fileFieldNames, "")
	if ok {
		writeJSON(w, http.StatusOK, t.apply(f.resource()))
	}
}

func (s *Server) exportFile(w http.ResponseWriter, r *http.Request, all bool) {
	f := s.visible(r.PathValue("id"), all)
	to := r.URL.Query().Get("mimeType")
	switch {
	case f == nil:
		fileNotFound(w, r.PathValue("id"))
	case to == "":
		writeError(w, http.StatusBadRequest, "INVALID_ARGUMENT", "Required parameter: mimeType",
			errItem{Message: "Required parameter: mimeType", Domain: "global", Reason: "required", Location: "mimeType", LocationType: "parameter"})
	case !f.isGoogleType():
		msg := "Export only supports Docs Editors files."
		writeError(w, http.StatusForbidden, "PERMISSION_DENIED", msg,
			errItem{Message: msg, Domain: "global", Reason: "fileNotExportable", Location: "fileId", LocationType: "parameter"})
	case f.exports[to] == nil:
		msg := "The requested conversion is not supported."
		writeError(w, http.StatusBadRequest, "INVALID_ARGUMENT", msg,
			errItem{Message: msg, Domain: "global", Reason: "badRequest", Location: "convertTo", LocationType: "parameter"})
	default:
		w.Header().Set("Content-Type", to)
		_, _ = w.Write(f.exports[to])
	}
}

func (s *Server) listFiles(w http.ResponseWriter, r *http.Request, all bool) {
	q := r.URL.Query()
	size := 100
	if v := q.Get("pageSize"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			badRequest(w, "Invalid value '"+v+"'. Values must be within the range: [1, 1000]", "pageSize")
			return
		}
		size = n
	}
	match, err := parseQuery(q.Get("q"))
	if err != nil {
		badRequest(w, "Invalid Value", "q")
		return
	}
	if strings.Contains(q.Get("q"), "fullText") && q.Get("orderBy") != "" {
		badRequest(w, "Sorting is not supported for queries with fullText terms. Results are always in descending relevance order.", "orderBy")
		return
	}
	offset, err := strconv.Atoi(q.Get("pageToken"))
	if q.Get("pageToken") != "" && (err != nil || offset < 0) {
		badRequest(w, "Invalid Value", "pageToken")
		return
	}
	t, ok := fields(w, r, "kind,nextPageToken,incompleteSearch,files(kind,id,name,mimeType)", fileListFieldNames, "files")
	if !ok {
		return
	}
	var hits []any
	for _, id := range s.sorted(q.Get("orderBy")) {
		if f := s.visible(id, all); f != nil && match(f) {
			hits = append(hits, f.resource())
		}
	}
	page := []any{}
	for i := offset; i < len(hits) && i < offset+size; i++ {
		page = append(page, hits[i])
	}
	full := map[string]any{"kind": "drive#fileList", "incompleteSearch": false, "files": page}
	if offset+size < len(hits) {
		full["nextPageToken"] = strconv.Itoa(offset + size)
	}
	writeJSON(w, http.StatusOK, t.apply(full))
}

// sorted returns file ids in orderBy order ("modifiedTime desc", "name",
// ...); creation order otherwise.
func (s *Server) sorted(orderBy string) []string {
	ids := append([]string(nil), s.drive.order...)
	key, desc := strings.CutSuffix(strings.TrimSpace(orderBy), " desc")
	less := map[string]func(a, b *file) bool{
		"modifiedTime": func(a, b *file) bool { return a.modified.Before(b.modified) },
		"createdTime":  func(a, b *file) bool { return a.created.Before(b.created) },
		"name":         func(a, b *file) bool { return a.name < b.name },
	}[key]
	if less == nil {
		return ids
	}
	sort.SliceStable(ids, func(i, j int) bool {
		a, b := s.drive.files[ids[i]], s.drive.files[ids[j]]
		if desc {
			return less(b, a)
		}
		return less(a, b)
	})
	return ids
}
