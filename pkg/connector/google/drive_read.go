package google

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/mcpgate/mcpgate/pkg/connector"
	"github.com/mcpgate/mcpgate/pkg/connector/toolkit"
)

// Google's own file types.
const (
	mimeDoc    = "application/vnd.google-apps.document"
	mimeSheet  = "application/vnd.google-apps.spreadsheet"
	mimeSlides = "application/vnd.google-apps.presentation"
	mimeFolder = "application/vnd.google-apps.folder"
)

// exportAs is the text format each readable Google type is exported in.
var exportAs = map[string]string{
	mimeDoc:    "text/plain",
	mimeSheet:  "text/csv",
	mimeSlides: "text/plain",
}

// textual reports whether a stored (non-Google) file is text a model can
// read as is.
func textual(mimeType string) bool {
	mt := strings.ToLower(strings.TrimSpace(mimeType))
	if strings.HasPrefix(mt, "text/") || strings.HasSuffix(mt, "+json") || strings.HasSuffix(mt, "+xml") {
		return true
	}
	switch mt {
	case "application/json", "application/xml", "application/javascript", "application/x-javascript",
		"application/x-yaml", "application/yaml", "application/x-sh", "application/sql", "application/x-ndjson":
		return true
	}
	return false
}

// readability tells drive_get's caller what drive_read will do.
func readability(mimeType string) string {
	if to, ok := exportAs[mimeType]; ok {
		return "yes, exported as " + to
	}
	if textual(mimeType) {
		return "yes, as text"
	}
	return "no (" + mimeType + " is not text)"
}

var driveReadTool = connector.Tool{
	Name: "drive_read",
	Description: "Read a Google Drive file's contents as text, by id (or Drive link). Google Docs and Slides are " +
		"exported as plain text, Sheets as CSV (the first sheet), and text files (text/*, JSON, XML, YAML) are " +
		"returned as they are. Binary files such as images, PDFs and Office documents are refused. Long files are " +
		"truncated with a note.",
	InputSchema: toolkit.Object([]string{"file_id"}, fileIDProp),
	ReadOnly:    true,
	Prepare:     prepare(needDriveRead, driveRead),
}

func driveRead(ctx context.Context, c *client, a fileArgs) (string, error) {
	id := url.PathEscape(a.FileID)
	var f driveFile
	q := url.Values{"fields": {"id,name,mimeType,size"}, "supportsAllDrives": {"true"}}
	if err := c.getJSON(ctx, driveFiles+"/"+id, q, &f); err != nil {
		return "", err
	}
	var req request
	note := ""
	switch to, export := exportAs[f.MimeType]; {
	case export:
		req = request{method: http.MethodGet, path: driveFiles + "/" + id + "/export", query: url.Values{"mimeType": {to}}}
		note = "exported as " + to
		if f.MimeType == mimeSheet {
			note += "; the CSV holds the first sheet only"
		}
	case f.MimeType == mimeFolder:
		return "", fmt.Errorf("%q is a folder; list what is in it with drive_search and q \"'%s' in parents\"", f.Name, f.ID)
	case strings.HasPrefix(f.MimeType, "application/vnd.google-apps."):
		return "", fmt.Errorf("%q is a %s, which drive_read cannot export as text (it reads Docs, Sheets, Slides and text files)", f.Name, kindOf(f.MimeType))
	case !textual(f.MimeType):
		return "", fmt.Errorf("%q is a binary file (%s%s); drive_read only returns text: Google Docs, Sheets, Slides and text files", f.Name, f.MimeType, sizeNote(f.Size))
	default:
		if n, err := strconv.ParseInt(f.Size, 10, 64); err == nil && n > maxContent {
			return "", fmt.Errorf("%q is too large to read (%s; at most %d MiB)", f.Name, byteSize(f.Size), maxContent>>20)
		}
		req = request{method: http.MethodGet, path: driveFiles + "/" + id, query: url.Values{"alt": {"media"}, "supportsAllDrives": {"true"}}}
		note = "as stored"
	}
	req.limit = maxContent
	rep, err := c.do(ctx, req)
	if err != nil {
		return "", err
	}
	if bytes.IndexByte(rep.body, 0) >= 0 || !utf8.Valid(rep.body) {
		return "", fmt.Errorf("%q is labelled %s but its contents are not UTF-8 text; drive_read refuses binary contents", f.Name, f.MimeType)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "File %q (%s, id %s; %s)\n\n", f.Name, kindOf(f.MimeType), f.ID, note)
	text := rep.body
	if req.path != driveFiles+"/"+id { // an export: Drive starts it with a BOM and ends lines with CRLF
		text = bytes.ReplaceAll(bytes.TrimPrefix(text, []byte("\xef\xbb\xbf")), []byte("\r\n"), []byte("\n"))
	}
	b.Write(text)
	return b.String(), nil
}

func sizeNote(size string) string {
	if s := byteSize(size); s != "" {
		return ", " + s
	}
	return ""
}
