package slack

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/mcpgate/mcpgate/pkg/connector"
	"github.com/mcpgate/mcpgate/pkg/connector/toolkit"
)

var channelTypes = []string{"public_channel", "private_channel", "mpim", "im"}

var listChannelsTool = connector.Tool{
	Name: "list_channels",
	Description: "List the Slack channels the token can see, one line each: id, #name, public/private, whether the app is a member, " +
		"member count and topic. Use the id with channel_history or post_message. Archived channels are left out unless include_archived is true.",
	InputSchema: toolkit.Object(nil,
		toolkit.EnumList("types", "Conversation types to list; default [\"public_channel\", \"private_channel\"].", channelTypes...),
		toolkit.Boolean("include_archived", "Also list archived channels; default false."),
		toolkit.Integer("limit", "Channels per page, 1-999; default 100.", 1, 999),
		cursorProp,
	),
	ReadOnly: true,
	Prepare:  toolkit.Prepare(newClient, listChannels),
}

type listChannelsArgs struct {
	Types           []string `json:"types"`
	IncludeArchived bool     `json:"include_archived"`
	Limit           int      `json:"limit"`
	Cursor          string   `json:"cursor"`
}

func (a *listChannelsArgs) Normalise() error {
	for _, t := range a.Types {
		if !slices.Contains(channelTypes, t) {
			return fmt.Errorf("types must contain only %s", strings.Join(channelTypes, ", "))
		}
	}
	if _, err := toolkit.Limit("limit", a.Limit, 100, 999); err != nil {
		return err
	}
	var err error
	a.Cursor, err = cursorArg(a.Cursor)
	return err
}

func listChannels(ctx context.Context, c *client, a listChannelsArgs) (string, error) {
	types := a.Types
	if len(types) == 0 {
		types = []string{"public_channel", "private_channel"}
	}
	limit, _ := toolkit.Limit("limit", a.Limit, 100, 999)
	form := url.Values{
		"types":            {strings.Join(types, ",")},
		"exclude_archived": {strconv.FormatBool(!a.IncludeArchived)},
		"limit":            {strconv.Itoa(limit)},
	}
	setIf(form, "cursor", a.Cursor)
	var out channelList
	note := ""
	err := c.call(ctx, "conversations.list", form, &out)
	if len(a.Types) == 0 && isCode(err, "missing_scope") {
		// A bot token without groups:read can still list public channels.
		types, note = []string{"public_channel"}, "; private channels left out: the token lacks groups:read"
		form.Set("types", "public_channel")
		err = c.call(ctx, "conversations.list", form, &out)
	}
	if err != nil {
		return "", err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s (%s%s):\n", plural(len(out.Channels), "channel", "channels"), strings.Join(types, ", "), note)
	for _, ch := range out.Channels {
		b.WriteString(channelLine(ch))
		b.WriteString("\n")
	}
	moreNote(&b, "channels", out.Meta.NextCursor)
	return b.String(), nil
}

// maxNamePages bounds how far resolveChannel pages through
// conversations.list looking for a name (namePage channels a page).
const maxNamePages = 10

// namePage is the largest page conversations.list serves: its limit "must
// be an integer under 1000" (https://api.slack.com/methods/conversations.list).
const namePage = "999"

// resolveChannel turns a normalised channel argument into an id: the
// methods that read history need one, while people and models usually
// know the name.
func resolveChannel(ctx context.Context, c *client, ref string) (string, error) {
	if channelID.MatchString(ref) {
		return ref, nil
	}
	form := url.Values{
		"types":            {"public_channel,private_channel"},
		"exclude_archived": {"false"},
		"limit":            {namePage},
	}
	for range maxNamePages {
		var out channelList
		err := c.call(ctx, "conversations.list", form, &out)
		if isCode(err, "missing_scope") && form.Get("types") != "public_channel" {
			form.Set("types", "public_channel") // without groups:read, look among public ones
			err = c.call(ctx, "conversations.list", form, &out)
		}
		if err != nil {
			return "", err
		}
		for _, ch := range out.Channels {
			if ch.Name == ref {
				return ch.ID, nil
			}
		}
		if out.Meta.NextCursor == "" {
			return "", &callError{msg: fmt.Sprintf("no channel named #%s is visible to the token (a private channel needs the app invited); list_channels shows the ones it can see", ref), code: "channel_not_found", kind: []error{ErrNotFound}}
		}
		form.Set("cursor", out.Meta.NextCursor)
	}
	return "", errors.New("too many channels to find #" + ref + " by name; pass its id instead (list_channels shows it)")
}

// isCode reports whether err is Slack's error code.
func isCode(err error, code string) bool {
	var ce *callError
	return errors.As(err, &ce) && ce.code == code
}
