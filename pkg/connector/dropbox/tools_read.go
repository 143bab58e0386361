package dropbox

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/mcpgate/mcpgate/pkg/connector"
	"github.com/mcpgate/mcpgate/pkg/connector/toolkit"
)

var readFileTool = connector.Tool{
	Name: "read_file",
	Description: "Read a text file from Dropbox (UTF-8: plain text, Markdown, CSV, code, JSON…): a line with its size and " +
		"last modification, then its content. Long files are cut with a note saying so; binary files (images, PDFs, archives) are refused.",
	InputSchema: toolkit.Object([]string{"path"},
		toolkit.String("path", "Path of the file, e.g. /Documents/notes.txt, or an id:… reference from list_folder."),
	),
	ReadOnly: true,
	Prepare:  toolkit.Prepare(newClient, readFile),
}

// pathArgs is the argument of the tools that take one path.
type pathArgs struct {
	Path string `json:"path"`
}

func (a *pathArgs) Normalise() error { return normPath("path", &a.Path, false) }

func readFile(ctx context.Context, c *client, a pathArgs) (string, error) {
	p := a.Path
	// Only what can be shown is downloaded (the gateway cuts the result to
	// the same budget), plus a few bytes so that a character cut at the
	// limit can be told from invalid UTF-8.
	meta, data, err := c.download(ctx, p, c.maxResult+utf8.UTFMax)
	if err != nil {
		return "", err
	}
	size := max(meta.Size, int64(len(data)))
	name := cmp.Or(meta.PathDisplay, p)
	if looksBinary(data) {
		return "", &callError{msg: fmt.Sprintf("%s is not a text file (%s, %s); read_file returns text only — create_shared_link gives a link to it instead",
			name, humanSize(size), http.DetectContentType(data))}
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	var b strings.Builder
	fmt.Fprintf(&b, "File %s (%s", name, humanSize(size))
	if t := when(meta.ServerModified); t != "" {
		fmt.Fprintf(&b, ", modified %s", t)
	}
	if meta.Rev != "" {
		fmt.Fprintf(&b, ", rev %s", meta.Rev)
	}
	if int64(len(data)) < size {
		// A partial download ends where the result budget does; drop a
		// character cut in half there.
		cut := len(data)
		for cut > 0 && !utf8.Valid(data[:cut]) {
			cut--
		}
		data = data[:cut]
		fmt.Fprintf(&b, "; only the first %d bytes were read", cut)
	}
	b.WriteString("):\n\n")
	b.Write(data)
	return b.String(), nil
}

// looksBinary reports whether data is not UTF-8 text: it has a NUL byte
// or invalid UTF-8 (a character cut at the end of the sample is allowed).
func looksBinary(data []byte) bool {
	if bytes.IndexByte(data, 0) >= 0 {
		return true
	}
	for i := 0; i < utf8.UTFMax && len(data) > 0; i++ {
		if utf8.Valid(data) {
			return false
		}
		if r, _ := utf8.DecodeLastRune(data); r != utf8.RuneError {
			return true
		}
		data = data[:len(data)-1]
	}
	return !utf8.Valid(data)
}
