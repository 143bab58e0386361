package google

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/mcpgate/mcpgate/pkg/connector"
	"github.com/mcpgate/mcpgate/pkg/connector/toolkit"
)

const driveFiles = "/drive/v3/files"

var driveSearchTool = connector.Tool{
	Name: "drive_search",
	Description: "Search the connected Google Drive. q is either plain words, which match file names and contents " +
		"(e.g. \"quarterly budget\"), or a Drive query such as \"name contains 'plan' and mimeType = " +
		"'application/vnd.google-apps.document'\" or \"'FOLDER_ID' in parents\". Without q, lists recently modified " +
		"files. Returns each file's name, type, id and link; read one with drive_read.",
	InputSchema: toolkit.Object(nil,
		toolkit.String("q", "Plain search words, or a Drive query (terms such as name, fullText, mimeType, modifiedTime, parents, trashed with operators contains, =, !=, <, >, in, and, or, not)."),
		toolkit.Integer("page_size", "How many files to return, 1-100 (default 20).", 1, 100),
		toolkit.String("page_token", "page_token from a previous result, to get the next page."),
	),
	ReadOnly: true,
	Prepare:  prepare(needDriveRead, driveSearch),
}

type driveSearchArgs struct {
	Q         string `json:"q"`
	PageSize  int    `json:"page_size"`
	PageToken string `json:"page_token"`
}

func (a *driveSearchArgs) Normalise() error {
	a.Q, a.PageToken = strings.TrimSpace(a.Q), strings.TrimSpace(a.PageToken)
	_, err := toolkit.Limit("page_size", a.PageSize, 20, 100)
	return err
}

func driveSearch(ctx context.Context, c *client, a driveSearchArgs) (string, error) {
	n, _ := toolkit.Limit("page_size", a.PageSize, 20, 100)
	query := driveQuery(a.Q)
	q := url.Values{
		"q":                         {query},
		"pageSize":                  {strconv.Itoa(n)},
		"fields":                    {fileListFields},
		"supportsAllDrives":         {"true"},
		"includeItemsFromAllDrives": {"true"},
	}
	if !strings.Contains(query, "fullText") { // Drive cannot sort full-text results
		q.Set("orderBy", "modifiedTime desc")
	}
	if a.PageToken != "" {
		q.Set("pageToken", a.PageToken)
	}
	var list fileList
	if err := c.getJSON(ctx, driveFiles, q, &list); err != nil {
		return "", err
	}
	var b strings.Builder
	if a.Q == "" {
		fmt.Fprintf(&b, "%s, most recently modified first", plural(len(list.Files), "file", "files"))
	} else {
		fmt.Fprintf(&b, "%s for %s", plural(len(list.Files), "file", "files"), query)
	}
	if list.IncompleteSearch {
		b.WriteString(" (Drive says the search is incomplete; narrow it)")
	}
	b.WriteString(":\n")
	for _, f := range list.Files {
		fmt.Fprintf(&b, "- %s · %s · id %s", oneLine(f.Name, 200), kindOf(f.MimeType), f.ID)
		if s := byteSize(f.Size); s != "" {
			fmt.Fprintf(&b, " · %s", s)
		}
		if f.ModifiedTime != "" {
			fmt.Fprintf(&b, " · modified %s", f.ModifiedTime)
		}
		if f.WebViewLink != "" {
			fmt.Fprintf(&b, " · %s", f.WebViewLink)
		}
		b.WriteString("\n")
	}
	if list.NextPageToken != "" {
		fmt.Fprintf(&b, "More results: call again with page_token=%s.\n", list.NextPageToken)
	}
	if len(list.Files) > 0 {
		b.WriteString("Read a file with drive_read and its id.\n")
	}
	return b.String(), nil
}

// driveSyntax recognises a Drive query: a query term followed by an
// operator, or "'…' in parents"-style membership. Anything else is taken
// as plain words.
var driveSyntax = regexp.MustCompile(`(?i)(\b(name|fullText|mimeType|modifiedTime|viewedByMeTime|createdTime|trashed|starred|parents|owners|writers|readers|sharedWithMe|properties|appProperties|visibility|shortcutDetails\.targetId)\s*(contains|=|!=|<=|>=|<|>|has)\s*['({\w])|('[^']*'\s+in\s+(parents|owners|writers|readers)\b)`)

// driveQuery turns the normalised q argument into Drive query syntax.
func driveQuery(q string) string {
	switch {
	case q == "":
		return "trashed = false"
	case driveSyntax.MatchString(q):
		return q
	}
	return "fullText contains '" + escapeDriveString(q) + "' and trashed = false"
}

// escapeDriveString escapes a value for a single-quoted Drive query string:
// backslashes first, then quotes.
func escapeDriveString(s string) string {
	s = strings.ReplaceAll(s, `\`, `\\`)
	return strings.ReplaceAll(s, `'`, `\'`)
}

// kindOf names Google's own file types; others keep their MIME type.
func kindOf(mimeType string) string {
	switch mimeType {
	case mimeDoc:
		return "Google Doc"
	case mimeSheet:
		return "Google Sheet"
	case mimeSlides:
		return "Google Slides"
	case mimeFolder:
		return "folder"
	}
	if rest, ok := strings.CutPrefix(mimeType, "application/vnd.google-apps."); ok {
		return "Google " + rest
	}
	return mimeType
}

var driveGetTool = connector.Tool{
	Name: "drive_get",
	Description: "Get a Google Drive file's metadata by id (or Drive link): name, type, size, owners, folder, " +
		"times, link, and whether drive_read can return its contents.",
	InputSchema: toolkit.Object([]string{"file_id"}, fileIDProp),
	ReadOnly:    true,
	Prepare:     prepare(needDriveRead, driveGet),
}

// fileArgs is the argument of the tools that take one file.
type fileArgs struct {
	FileID string `json:"file_id"`
}

func (a *fileArgs) Normalise() error { return normFileID(&a.FileID) }

var fileIDProp = toolkit.String("file_id", "File id from drive_search (e.g. \"1AbC_dEf-123\"), or the file's Drive/Docs link.")

func driveGet(ctx context.Context, c *client, a fileArgs) (string, error) {
	id := url.PathEscape(a.FileID)
	var f driveFile
	q := url.Values{"fields": {fileFields}, "supportsAllDrives": {"true"}}
	if err := c.getJSON(ctx, driveFiles+"/"+id, q, &f); err != nil {
		return "", err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s (%s)\n", f.Name, kindOf(f.MimeType))
	line(&b, "ID", f.ID)
	line(&b, "MIME type", f.MimeType)
	line(&b, "Size", byteSize(f.Size))
	var owners []string
	for _, o := range f.Owners {
		owners = append(owners, strings.TrimSpace(o.DisplayName+" <"+o.EmailAddress+">"))
	}
	line(&b, "Owners", strings.Join(owners, ", "))
	line(&b, "Folder ids", strings.Join(f.Parents, ", "))
	line(&b, "Created", f.CreatedTime)
	line(&b, "Modified", f.ModifiedTime)
	line(&b, "Link", f.WebViewLink)
	line(&b, "Description", f.Description)
	fmt.Fprintf(&b, "Starred: %s · Shared: %s · In trash: %s\n", yesNo(f.Starred), yesNo(f.Shared), yesNo(f.Trashed))
	line(&b, "drive_read", readability(f.MimeType))
	return b.String(), nil
}

func yesNo(v bool) string {
	if v {
		return "yes"
	}
	return "no"
}
