package dropbox

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/mcpgate/mcpgate/pkg/connector"
	"github.com/mcpgate/mcpgate/pkg/connector/toolkit"
)

// maxUpload bounds upload_text: a text a model writes, not a bulk transfer.
const maxUpload = 8 << 20

var errNoText = errors.New("text is required: the file's content (it may be \"\" for an empty file)")

var uploadTextTool = connector.Tool{
	Name: "upload_text",
	Description: "Write a text file to Dropbox (UTF-8). mode \"add\" (the default) never replaces anything: if the file exists " +
		"the upload fails, or with autorename true it is saved under a new name such as \"notes (1).txt\". " +
		"mode \"overwrite\" replaces an existing file. Missing folders are created.",
	InputSchema: toolkit.Object([]string{"path", "text"},
		toolkit.String("path", "Path of the file to write, e.g. /Documents/notes.txt."),
		toolkit.String("text", "The file's content."),
		toolkit.Enum("mode", "add (default): keep an existing file; overwrite: replace it.", "add", "overwrite"),
		toolkit.Boolean("autorename", "With mode add, save under a new name when the file exists instead of failing; default false."),
	),
	Destructive: true, // mode "overwrite" replaces a file's content
	Content:     []string{"text"},
	Prepare:     toolkit.Prepare(newClient, uploadText),
}

type uploadTextArgs struct {
	Path       string  `json:"path"`
	Text       *string `json:"text"`
	Mode       string  `json:"mode"`
	Autorename bool    `json:"autorename"`
}

// Normalise also spells out the default mode, add, so a rule on
// args.mode sees what Dropbox is asked to do.
func (a *uploadTextArgs) Normalise() error {
	if err := normPath("path", &a.Path, false); err != nil {
		return err
	}
	if !strings.HasPrefix(a.Path, "/") {
		return errors.New("path must be a path such as /Documents/notes.txt, not an id: or rev: reference")
	}
	if a.Text == nil {
		return errNoText
	}
	if len(*a.Text) > maxUpload {
		return fmt.Errorf("text is %s; upload_text takes at most %s", humanSize(int64(len(*a.Text))), humanSize(maxUpload))
	}
	switch a.Mode {
	case "":
		a.Mode = "add"
	case "add", "overwrite":
	default:
		return errors.New("mode must be add or overwrite")
	}
	if a.Autorename && a.Mode == "overwrite" {
		return errors.New("autorename only applies to mode add; with overwrite the file is replaced")
	}
	return nil
}

func uploadText(ctx context.Context, c *client, a uploadTextArgs) (string, error) {
	p := a.Path
	var meta metadata
	if err := c.upload(ctx, uploadArg{Path: p, Mode: a.Mode, Autorename: a.Autorename}, []byte(*a.Text), &meta); err != nil {
		return "", err
	}
	saved := cmp.Or(meta.PathDisplay, meta.PathLower, p)
	var b strings.Builder
	fmt.Fprintf(&b, "Uploaded %s (%s", saved, humanSize(meta.Size))
	if meta.Rev != "" {
		fmt.Fprintf(&b, ", rev %s", meta.Rev)
	}
	b.WriteString(").\n")
	if !strings.EqualFold(saved, p) {
		fmt.Fprintf(&b, "A file already existed at %s, so Dropbox saved this one as %s.\n", p, saved)
	}
	return b.String(), nil
}

var createSharedLinkTool = connector.Tool{
	Name: "create_shared_link",
	Description: "Get a shared link to a Dropbox file or folder, created with the account's default settings (usually: anyone with " +
		"the link can view). If the path already has a link, that link is returned. Returns the URL and who can open it.",
	InputSchema: toolkit.Object([]string{"path"},
		toolkit.String("path", "Path of the file or folder to share, e.g. /Documents/report.pdf."),
	),
	Prepare: toolkit.Prepare(newClient, createSharedLink),
}

func createSharedLink(ctx context.Context, c *client, a pathArgs) (string, error) {
	p := a.Path
	var link sharedLink
	existed := false
	err := c.rpc(ctx, "sharing/create_shared_link_with_settings", map[string]string{"path": p}, &link)
	var ce *callError
	if errors.As(err, &ce) && ce.tag == "shared_link_already_exists" {
		existed = true
		if link, err = existingLink(ctx, c, p, ce.body); err != nil {
			return "", err
		}
	} else if err != nil {
		return "", err
	}
	if link.URL == "" {
		return "", &callError{msg: "unexpected response from Dropbox: the shared link has no URL; check connectors.dropbox.api_url"}
	}
	var b strings.Builder
	state := "new"
	if existed {
		state = "it already existed"
	}
	fmt.Fprintf(&b, "Shared link for %s (%s): %s\n", p, state, link.URL)
	if who := visibility[link.Permissions.ResolvedVisibility.Tag]; who != "" {
		fmt.Fprintf(&b, "Access: %s.\n", who)
	}
	if link.Expires != "" {
		fmt.Fprintf(&b, "Expires: %s\n", when(link.Expires))
	}
	return b.String(), nil
}

// existingLink reads the link a shared_link_already_exists error carries
// ({"shared_link_already_exists":{".tag":"metadata","metadata":{…}}}), and
// asks list_shared_links when it carries none.
func existingLink(ctx context.Context, c *client, path string, body []byte) (sharedLink, error) {
	var e struct {
		Error struct {
			Exists *struct {
				Metadata *sharedLink `json:"metadata"`
				sharedLink
			} `json:"shared_link_already_exists"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &e) == nil && e.Error.Exists != nil {
		if m := e.Error.Exists.Metadata; m != nil && m.URL != "" {
			return *m, nil
		}
		if e.Error.Exists.URL != "" {
			return e.Error.Exists.sharedLink, nil
		}
	}
	var out listSharedLinksResult
	if err := c.rpc(ctx, "sharing/list_shared_links", map[string]any{"path": path, "direct_only": true}, &out); err != nil {
		return sharedLink{}, err
	}
	if len(out.Links) == 0 {
		return sharedLink{}, &callError{msg: "Dropbox says a shared link to " + path + " exists but lists none; try again shortly"}
	}
	return out.Links[0], nil
}
