package dropbox

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/mcpgate/mcpgate/pkg/connector"
	"github.com/mcpgate/mcpgate/pkg/connector/toolkit"
)

var listFolderTool = connector.Tool{
	Name: "list_folder",
	Description: "List a Dropbox folder, one line per entry: [folder] or [file], the path, size and last modification (UTC). " +
		"path \"\" or \"/\" is the root; recursive lists everything below. A long listing ends with a cursor: call again with only that cursor to continue.",
	InputSchema: toolkit.Object(nil,
		toolkit.String("path", "Folder to list, e.g. /Documents; \"\" or \"/\" for the root (the default)."),
		toolkit.Boolean("recursive", "Also list the contents of every subfolder; default false."),
		toolkit.Integer("limit", "Entries per call, 1-2000 (approximate; Dropbox may return fewer); default 100.", 1, 2000),
		toolkit.String("cursor", "Cursor from a previous result's \"More:\" line; give it alone to continue that listing."),
	),
	ReadOnly: true,
	Prepare:  toolkit.Prepare(newClient, listFolder),
}

type listFolderArgs struct {
	Path      *string `json:"path"`
	Recursive bool    `json:"recursive"`
	Limit     int     `json:"limit"`
	Cursor    string  `json:"cursor"`
}

// Normalise spells the root as "" whichever way it was given ("/", "",
// absent), so a rule on args.path sees one form.
func (a *listFolderArgs) Normalise() error {
	a.Cursor = strings.TrimSpace(a.Cursor)
	if a.Cursor != "" {
		if a.Path != nil || a.Recursive || a.Limit != 0 {
			return errors.New("give cursor alone: it already carries the path, recursive and limit of the listing it continues")
		}
		if len(a.Cursor) > 4096 || strings.ContainsFunc(a.Cursor, isControl) {
			return errors.New("cursor is not one Dropbox gave out; pass the cursor value from a previous result unchanged")
		}
		return nil
	}
	p := ""
	if a.Path != nil {
		if err := normPath("path", a.Path, true); err != nil {
			return err
		}
		p = *a.Path
	}
	a.Path = &p
	_, err := toolkit.Limit("limit", a.Limit, 100, 2000)
	return err
}

func listFolder(ctx context.Context, c *client, a listFolderArgs) (string, error) {
	var out listFolderResult
	var b strings.Builder
	if a.Cursor != "" {
		if err := c.rpc(ctx, "files/list_folder/continue", map[string]string{"cursor": a.Cursor}, &out); err != nil {
			return "", err
		}
		fmt.Fprintf(&b, "Folder listing, continued: %s:\n", plural(len(out.Entries), "entry", "entries"))
	} else {
		p := *a.Path
		limit, _ := toolkit.Limit("limit", a.Limit, 100, 2000)
		if err := c.rpc(ctx, "files/list_folder", listFolderArg{Path: p, Recursive: a.Recursive, Limit: limit}, &out); err != nil {
			return "", err
		}
		scope := ""
		if a.Recursive {
			scope = ", recursively"
		}
		fmt.Fprintf(&b, "Folder %s%s: %s:\n", displayPath(p), scope, plural(len(out.Entries), "entry", "entries"))
	}
	for _, e := range out.Entries {
		b.WriteString(entryLine(e))
		b.WriteString("\n")
	}
	if out.HasMore && out.Cursor != "" {
		fmt.Fprintf(&b, "More: call list_folder again with only cursor=%q.\n", out.Cursor)
	}
	return b.String(), nil
}

var searchTool = connector.Tool{
	Name: "search",
	Description: "Search Dropbox for files and folders by name (and, on plans that index it, by content), most relevant first: " +
		"one line per match with the path, size and last modification. Narrow it to a folder with path.",
	InputSchema: toolkit.Object([]string{"query"},
		toolkit.String("query", "Words to look for, e.g. \"quarterly report\"."),
		toolkit.String("path", "Only search under this folder, e.g. /Documents; default everywhere."),
		toolkit.Integer("max_results", "Matches to return, 1-1000; default 20.", 1, 1000),
	),
	ReadOnly: true,
	Prepare:  toolkit.Prepare(newClient, search),
}

type searchArgs struct {
	Query      string `json:"query"`
	Path       string `json:"path"`
	MaxResults int    `json:"max_results"`
}

func (a *searchArgs) Normalise() error {
	a.Query = strings.TrimSpace(a.Query)
	if a.Query == "" {
		return errors.New("query is required: the words to look for")
	}
	if utf8.RuneCountInString(a.Query) > 1000 {
		return errors.New("query is longer than Dropbox's 1000 characters")
	}
	if err := normPath("path", &a.Path, true); err != nil {
		return err
	}
	_, err := toolkit.Limit("max_results", a.MaxResults, 20, 1000)
	return err
}

func search(ctx context.Context, c *client, a searchArgs) (string, error) {
	q, p := a.Query, a.Path
	n, _ := toolkit.Limit("max_results", a.MaxResults, 20, 1000)
	var out searchResult
	arg := searchArg{Query: q, Options: searchOptions{Path: p, MaxResults: n, FileStatus: "active"}}
	if err := c.rpc(ctx, "files/search_v2", arg, &out); err != nil {
		return "", err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s for %q", plural(len(out.Matches), "match", "matches"), q)
	if p != "" {
		fmt.Fprintf(&b, " under %s", p)
	}
	b.WriteString(":\n")
	for _, m := range out.Matches {
		b.WriteString(entryLine(m.Metadata.Metadata))
		b.WriteString("\n")
	}
	if out.HasMore {
		b.WriteString("More matches exist: narrow the query or the path, or raise max_results.\n")
	}
	return b.String(), nil
}
