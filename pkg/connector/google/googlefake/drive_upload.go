package googlefake

import (
	"bytes"
	"encoding/json"
	"mime"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// File is a Drive file as a test sees it.
type File struct {
	ID, Name, MimeType string
	Parents            []string
	Content            []byte
	// AppCreated is true for files made through the upload endpoint (the
	// only ones a drive.file-only token can see).
	AppCreated bool
}

// Upload is the last multipart upload request as it arrived.
type Upload struct {
	ContentType string // of the request
	Parts       []UploadPart
}

// UploadPart is one part of a multipart/related upload.
type UploadPart struct {
	ContentType string
	Body        []byte
}

// File returns the file with the given id.
func (s *Server) File(id string) (File, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, ok := s.drive.files[id]
	if !ok {
		return File{}, false
	}
	return File{ID: f.id, Name: f.name, MimeType: f.mimeType, Parents: append([]string(nil), f.parents...),
		Content: bytes.Clone(f.content), AppCreated: f.appCreated}, true
}

// LastUpload returns the most recent upload request.
func (s *Server) LastUpload() Upload {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.drive.lastUpload
}

func (s *Server) upload(w http.ResponseWriter, r *http.Request, all bool) {
	if r.URL.Query().Get("uploadType") != "multipart" {
		badRequest(w, "The fake accepts uploadType=multipart only", "uploadType")
		return
	}
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/related" || params["boundary"] == "" {
		badRequest(w, "Bad content type. Please use multipart.", "")
		return
	}
	up := Upload{ContentType: r.Header.Get("Content-Type")}
	mr := multipart.NewReader(r.Body, params["boundary"])
	for {
		p, err := mr.NextRawPart()
		if err != nil {
			break
		}
		var b bytes.Buffer
		_, _ = b.ReadFrom(p)
		up.Parts = append(up.Parts, UploadPart{ContentType: p.Header.Get("Content-Type"), Body: b.Bytes()})
	}
	s.drive.lastUpload = up
	var meta struct {
		Name, MimeType, Description string
		Parents                     []string
	}
	if len(up.Parts) != 2 || !strings.HasPrefix(up.Parts[0].ContentType, "application/json") ||
		json.Unmarshal(up.Parts[0].Body, &meta) != nil {
		badRequest(w, "Invalid multipart request: want a JSON metadata part and a media part.", "")
		return
	}
	// A drive.file token sees, and so may write into, only the folders the
	// app created; drive.readonly shows the others but does not let it
	// write there (https://developers.google.com/workspace/drive/api/guides/api-specific-auth).
	for _, p := range meta.Parents {
		f := s.drive.files[p]
		switch {
		case f == nil || f.mimeType != MimeFolder || (!all && !f.appCreated):
			fileNotFound(w, p)
			return
		case !f.appCreated && !s.fullDrive(r):
			msg := "The user does not have sufficient permissions for file " + p + "."
			writeError(w, http.StatusForbidden, "PERMISSION_DENIED", msg,
				errItem{Message: msg, Domain: "global", Reason: "insufficientFilePermissions"})
			return
		}
	}
	if meta.MimeType == "" {
		meta.MimeType, _, _ = mime.ParseMediaType(up.Parts[1].ContentType)
	}
	if meta.Name == "" {
		meta.Name = "Untitled"
	}
	now := time.Now().UTC()
	f := &file{id: "1New" + strconv.FormatInt(s.nextID(), 10) + "UploadedFile", name: meta.Name, mimeType: meta.MimeType,
		description: meta.Description, parents: meta.Parents, content: up.Parts[1].Body, created: now, modified: now, appCreated: true}
	if len(f.parents) == 0 {
		f.parents = []string{RootFolder}
	}
	t, ok := fields(w, r, "kind,id,name,mimeType", fileFieldNames, "")
	if !ok {
		return
	}
	s.addFile(f)
	writeJSON(w, http.StatusOK, t.apply(f.resource()))
}

func (s *Server) addFile(f *file) {
	s.drive.files[f.id] = f
	s.drive.order = append(s.drive.order, f.id)
}

// fullDrive reports whether the request's token holds the full drive
// scope; the caller holds s.mu.
func (s *Server) fullDrive(r *http.Request) bool {
	_, tok, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	g := s.auth.access[strings.TrimSpace(tok)]
	return g != nil && g.hasAny([]string{ScopeDrive})
}

// AddAppFolder adds a folder in My Drive as if this app had created it
// (so a drive.file token sees it and may write into it) and returns its id.
func (s *Server) AddAppFolder(name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now().UTC()
	f := &file{id: "1App" + strconv.FormatInt(s.nextID(), 10) + "Folder", name: name, mimeType: MimeFolder,
		parents: []string{RootFolder}, created: now, modified: now, appCreated: true}
	s.addFile(f)
	return f.id
}
