package google

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/mcpgate/mcpgate/pkg/connector"
	"github.com/mcpgate/mcpgate/pkg/connector/toolkit"
)

// maxUpload is Drive's limit for a multipart upload (larger files need a
// resumable upload, which a model's text never needs).
const maxUpload = 5 << 20

var driveCreateTextTool = connector.Tool{
	Name: "drive_create_text",
	Description: "Create a new plain-text file in the connected Google Drive with the given name and content, " +
		"optionally inside a folder (its id from drive_search). Existing files are never changed. Returns the new " +
		"file's id and link.",
	InputSchema: toolkit.Object([]string{"name", "content"},
		toolkit.String("name", "File name, e.g. \"meeting notes.txt\"."),
		toolkit.String("content", "The file's text (UTF-8), at most 5 MB."),
		toolkit.String("parent_id", "Optional id of the folder to create the file in; default is My Drive. With the drive.file scope the folder must be one this connection created."),
	),
	Content: []string{"content"},
	Prepare: prepare(needDriveWrite, driveCreateText),
}

type driveCreateTextArgs struct {
	Name     string `json:"name"`
	Content  string `json:"content"`
	ParentID string `json:"parent_id"`
}

func (a *driveCreateTextArgs) Normalise() error {
	a.Name = strings.TrimSpace(a.Name)
	switch {
	case a.Name == "":
		return errors.New("name is required (the new file's name, e.g. \"notes.txt\")")
	case len(a.Name) > 1000:
		return errors.New("name is too long (at most 1000 bytes)")
	case strings.ContainsFunc(a.Name, func(r rune) bool { return r < ' ' || r == 0x7f }):
		return errors.New("name must not contain line breaks or control characters")
	case !utf8.ValidString(a.Content):
		return errors.New("content must be UTF-8 text")
	case len(a.Content) > maxUpload:
		return fmt.Errorf("content is too long (%d bytes; at most %d)", len(a.Content), maxUpload)
	}
	if strings.TrimSpace(a.ParentID) == "" {
		a.ParentID = ""
		return nil
	}
	if err := normFileID(&a.ParentID); err != nil {
		return errors.New("parent_id" + strings.TrimPrefix(err.Error(), "file_id"))
	}
	return nil
}

func driveCreateText(ctx context.Context, c *client, a driveCreateTextArgs) (string, error) {
	meta := map[string]any{"name": a.Name, "mimeType": "text/plain"}
	if a.ParentID != "" {
		meta["parents"] = []string{a.ParentID}
	}
	body, contentType, err := multipartRelated(meta, "text/plain; charset=UTF-8", []byte(a.Content))
	if err != nil {
		return "", err
	}
	rep, err := c.do(ctx, request{
		method: http.MethodPost,
		path:   "/upload/drive/v3/files",
		query: url.Values{
			"uploadType":        {"multipart"},
			"supportsAllDrives": {"true"},
			"fields":            {"id,name,mimeType,webViewLink,parents"},
		},
		body:        bytes.NewReader(body),
		contentType: contentType,
	})
	if err != nil && a.ParentID != "" {
		return "", parentError(err, a.ParentID)
	}
	if err != nil {
		return "", err
	}
	var f driveFile
	if err := decode("/upload/drive/v3/files", rep, &f); err != nil {
		return "", err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Created %q (%s, %s) with id %s", f.Name, f.MimeType, plural(len(a.Content), "byte", "bytes"), f.ID)
	if len(f.Parents) > 0 {
		fmt.Fprintf(&b, " in folder %s", strings.Join(f.Parents, ", "))
	}
	b.WriteString(".\n")
	line(&b, "Link", f.WebViewLink)
	return b.String(), nil
}

// multipartRelated builds the body of a Drive multipart upload: the JSON
// metadata part, then the media part, as multipart/related.
func multipartRelated(meta any, mediaType string, media []byte) ([]byte, string, error) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	metaJSON, err := json.Marshal(meta)
	if err != nil {
		return nil, "", fmt.Errorf("encode metadata: %w", err)
	}
	// The boundary is derived from the parts, not random, so the request
	// is a function of the arguments alone; a part cannot hold the hash
	// of itself.
	sum := sha256.Sum256(append(append(metaJSON, 0), media...))
	if err := w.SetBoundary(hex.EncodeToString(sum[:])); err != nil {
		return nil, "", fmt.Errorf("build upload: %w", err)
	}
	for _, part := range []struct {
		contentType string
		data        []byte
	}{{"application/json; charset=UTF-8", metaJSON}, {mediaType, media}} {
		pw, err := w.CreatePart(textproto.MIMEHeader{"Content-Type": {part.contentType}})
		if err != nil {
			return nil, "", fmt.Errorf("build upload: %w", err)
		}
		if _, err := pw.Write(part.data); err != nil {
			return nil, "", fmt.Errorf("build upload: %w", err)
		}
	}
	if err := w.Close(); err != nil {
		return nil, "", fmt.Errorf("build upload: %w", err)
	}
	return buf.Bytes(), "multipart/related; boundary=" + w.Boundary(), nil
}

// parentError explains why Drive refused the folder: a drive.file token
// sees and writes only the folders this app created.
func parentError(err error, parent string) error {
	var ce *callError
	if !errors.As(err, &ce) {
		return err
	}
	switch {
	case errors.Is(err, ErrNotFound):
		ce.msg += "; the folder " + parent + " does not exist, or the connection has only the drive.file scope and did not create it (drive.file writes only into folders this app created; without parent_id the file goes to My Drive)"
	case errors.Is(err, errForbidden):
		ce.msg += "; the connection may not write into folder " + parent + " (with drive.file it writes only into folders this app created; the full drive scope allows any folder the account can edit)"
	}
	return err
}
