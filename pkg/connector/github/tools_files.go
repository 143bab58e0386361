package github

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/mcpgate/mcpgate/pkg/connector"
	"github.com/mcpgate/mcpgate/pkg/connector/toolkit"
)

var getFileTool = connector.Tool{
	Name: "get_file",
	Description: "Read one text file from a GitHub repository and return its contents. Give the path from the " +
		"repository root (e.g. \"docs/guide.md\") and optionally a branch, tag or commit as ref (default: the " +
		"default branch). Directories and binary files are refused; the error for a directory lists its entries. " +
		"Files over 8 MiB cannot be read this way.",
	InputSchema: toolkit.Object([]string{"owner", "repo", "path"},
		ownerProp, repoProp,
		toolkit.String("path", "Path of the file from the repository root, e.g. \"README.md\" or \"src/main.go\"."),
		toolkit.String("ref", "Branch, tag or commit SHA to read from; default is the repository's default branch."),
	),
	ReadOnly: true,
	Prepare:  toolkit.Prepare(newClient, getFile),
}

type getFileArgs struct {
	repoArgs
	Path string `json:"path"`
	Ref  string `json:"ref"`
}

// Normalise trims the path of spaces and slashes, refuses segments that
// would climb out of /contents/, and trims ref.
func (a *getFileArgs) Normalise() error {
	if err := a.repoArgs.Normalise(); err != nil {
		return err
	}
	a.Path = strings.Trim(strings.TrimSpace(a.Path), "/")
	if a.Path == "" {
		return errors.New("path is required (a file path from the repository root, e.g. \"README.md\")")
	}
	for _, s := range strings.Split(a.Path, "/") {
		if s == "" || s == "." || s == ".." {
			return fmt.Errorf("path %q is not a plain file path; remove empty, \".\" and \"..\" parts", a.Path)
		}
	}
	a.Ref = strings.TrimSpace(a.Ref)
	return nil
}

func getFile(ctx context.Context, c *client, a getFileArgs) (string, error) {
	q := url.Values{}
	setIf(q, "ref", a.Ref)
	var doc json.RawMessage
	if _, err := c.get(ctx, a.path()+"/contents/"+escapeFilePath(a.Path), q, &doc); err != nil {
		return "", err
	}
	where := fmt.Sprintf("%s in %s", a.Path, a.fullName())
	if bytes.HasPrefix(doc, []byte("[")) {
		return "", directoryError(where, doc)
	}
	var f content
	err := json.Unmarshal(doc, &f)
	if err != nil {
		return "", errors.New("unexpected response from GitHub: the contents API did not return a file")
	}
	if f.Type == "file" && f.Encoding == "none" {
		// Files of 1-100 MB come without content under the JSON media
		// type; the raw one returns their bytes.
		if f.Content, err = rawContent(ctx, c, a.path()+"/contents/"+escapeFilePath(a.Path), q, where, f.Size); err != nil {
			return "", err
		}
		f.Encoding = "raw"
	}
	text, err := fileText(where, f)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "File %s", where)
	if q.Has("ref") {
		fmt.Fprintf(&b, " at %s", q.Get("ref"))
	}
	fmt.Fprintf(&b, " (%d bytes, sha %s)\n", f.Size, f.SHA)
	line(&b, "URL", f.HTMLURL)
	b.WriteString("\n")
	b.WriteString(text)
	return b.String(), nil
}

// escapeFilePath escapes each segment of a normalised repository path.
func escapeFilePath(p string) string {
	segs := strings.Split(p, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return strings.Join(segs, "/")
}

func directoryError(where string, doc json.RawMessage) error {
	var entries []content
	if err := json.Unmarshal(doc, &entries); err != nil {
		return errors.New("unexpected response from GitHub: the contents API returned a malformed directory listing")
	}
	const show = 50
	names := make([]string, 0, min(len(entries), show))
	for i, e := range entries {
		if i == show {
			names = append(names, fmt.Sprintf("… and %d more", len(entries)-show))
			break
		}
		if e.Type == "dir" {
			e.Path += "/"
		}
		names = append(names, e.Path)
	}
	return fmt.Errorf("%s is a directory, not a file; call get_file with one of its entries: %s", where, strings.Join(names, ", "))
}

// fileText decodes a file entry, refusing what a model cannot read as text.
func fileText(where string, f content) (string, error) {
	switch f.Type {
	case "file":
	case "symlink":
		return "", fmt.Errorf("%s is a symbolic link to %q outside the repository; it has no contents to show", where, f.Target)
	case "submodule":
		return "", fmt.Errorf("%s is a git submodule, not a file", where)
	default:
		return "", fmt.Errorf("%s is a %s, not a file", where, f.Type)
	}
	var data []byte
	switch f.Encoding {
	case "raw": // fetched with the raw media type
		data = []byte(f.Content)
	case "base64":
		// GitHub wraps the base64 at 60 columns; the decoder skips newlines.
		var err error
		if data, err = base64.StdEncoding.DecodeString(f.Content); err != nil {
			return "", errors.New("unexpected response from GitHub: the file content is not valid base64")
		}
	default:
		return "", fmt.Errorf("unexpected response from GitHub: %s has content encoded as %q", where, toolkit.Clip(f.Encoding, 40))
	}
	if bytes.IndexByte(data, 0) >= 0 || !utf8.Valid(data) {
		return "", fmt.Errorf("%s is a binary file (%d bytes); get_file only returns text files", where, len(data))
	}
	return string(data), nil
}

// rawContent fetches a file over 1 MB with the raw media type. Files over
// the gateway's read bound are refused before their bytes are asked for.
func rawContent(ctx context.Context, c *client, path string, q url.Values, where string, size int) (string, error) {
	if size > maxBody {
		return "", fmt.Errorf("%s is too large (%d bytes) for get_file, which reads at most %d MiB", where, size, maxBody>>20)
	}
	data, err := c.raw(ctx, path, q)
	if err != nil {
		return "", err
	}
	return string(data), nil
}
