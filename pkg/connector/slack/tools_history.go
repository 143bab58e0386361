package slack

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/mcpgate/mcpgate/pkg/connector"
	"github.com/mcpgate/mcpgate/pkg/connector/toolkit"
)

var channelHistoryTool = connector.Tool{
	Name: "channel_history",
	Description: "Read a Slack channel's recent messages, newest first: time (UTC), author user id, ts and text; " +
		"a message that starts a thread says how many replies it has (read them with thread_replies). " +
		"Narrow the window with oldest/latest. Resolve author ids with get_user.",
	InputSchema: toolkit.Object([]string{"channel"},
		channelProp,
		toolkit.Integer("limit", "Messages to return, 1-999; default 30.", 1, 999),
		toolkit.String("oldest", "Only messages after this time: a message ts (1712345678.123456), a Unix time, or a date/time (2024-05-01, 2024-05-01T09:30:00Z)."),
		toolkit.String("latest", "Only messages before this time, in the same forms as oldest."),
		cursorProp,
	),
	ReadOnly: true,
	Prepare:  toolkit.Prepare(newClient, channelHistory),
}

type channelHistoryArgs struct {
	Channel string `json:"channel"`
	Limit   int    `json:"limit"`
	Oldest  string `json:"oldest"`
	Latest  string `json:"latest"`
	Cursor  string `json:"cursor"`
}

// Normalise also turns oldest and latest into Slack timestamps, so a rule
// compares them in one form.
func (a *channelHistoryArgs) Normalise() error {
	if err := normChannel(&a.Channel); err != nil {
		return err
	}
	if _, err := toolkit.Limit("limit", a.Limit, 30, 999); err != nil {
		return err
	}
	var err error
	if a.Oldest, err = timeArg("oldest", a.Oldest); err != nil {
		return err
	}
	if a.Latest, err = timeArg("latest", a.Latest); err != nil {
		return err
	}
	a.Cursor, err = cursorArg(a.Cursor)
	return err
}

func channelHistory(ctx context.Context, c *client, a channelHistoryArgs) (string, error) {
	limit, _ := toolkit.Limit("limit", a.Limit, 30, 999)
	id, err := resolveChannel(ctx, c, a.Channel)
	if err != nil {
		return "", err
	}
	form := url.Values{"channel": {id}, "limit": {strconv.Itoa(limit)}}
	setIf(form, "oldest", a.Oldest)
	setIf(form, "latest", a.Latest)
	setIf(form, "cursor", a.Cursor)
	var out messageList
	if err := c.call(ctx, "conversations.history", form, &out); err != nil {
		return "", err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s in channel %s, newest first:\n", plural(len(out.Messages), "message", "messages"), id)
	for _, m := range out.Messages {
		writeMessage(&b, m, true)
	}
	limitedNote(&b, limit, len(out.Messages), out.Meta.NextCursor)
	moreNote(&b, "messages (older)", out.Meta.NextCursor)
	return b.String(), nil
}

var threadRepliesTool = connector.Tool{
	Name: "thread_replies",
	Description: "Read a Slack thread: its first message and the replies, oldest first, with time (UTC), author user id, ts and text. " +
		"ts is the timestamp of the thread's first message, as channel_history shows it.",
	InputSchema: toolkit.Object([]string{"channel", "ts"},
		channelProp,
		toolkit.String("ts", "Timestamp of the thread's first message, e.g. 1712345678.123456."),
		toolkit.Integer("limit", "Messages to return, 1-999; default 100.", 1, 999),
		cursorProp,
	),
	ReadOnly: true,
	Prepare:  toolkit.Prepare(newClient, threadReplies),
}

type threadRepliesArgs struct {
	Channel string `json:"channel"`
	TS      string `json:"ts"`
	Limit   int    `json:"limit"`
	Cursor  string `json:"cursor"`
}

func (a *threadRepliesArgs) Normalise() error {
	if err := normChannel(&a.Channel); err != nil {
		return err
	}
	var err error
	if a.TS, err = tsArg("ts", a.TS, true); err != nil {
		return err
	}
	if _, err := toolkit.Limit("limit", a.Limit, 100, 999); err != nil {
		return err
	}
	a.Cursor, err = cursorArg(a.Cursor)
	return err
}

func threadReplies(ctx context.Context, c *client, a threadRepliesArgs) (string, error) {
	limit, _ := toolkit.Limit("limit", a.Limit, 100, 999)
	ts := a.TS
	id, err := resolveChannel(ctx, c, a.Channel)
	if err != nil {
		return "", err
	}
	form := url.Values{"channel": {id}, "ts": {ts}, "limit": {strconv.Itoa(limit)}}
	setIf(form, "cursor", a.Cursor)
	var out messageList
	if err := c.call(ctx, "conversations.replies", form, &out); err != nil {
		return "", err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Thread %s in channel %s, oldest first (%s: the first message, then the replies):\n", ts, id, plural(len(out.Messages), "message", "messages"))
	for _, m := range out.Messages {
		writeMessage(&b, m, false)
	}
	limitedNote(&b, limit, len(out.Messages), out.Meta.NextCursor)
	moreNote(&b, "replies", out.Meta.NextCursor)
	return b.String(), nil
}

// marketplaceLimits explains the limits Slack has imposed since 2025-05-29
// on conversations.history and conversations.replies for commercial apps
// not distributed through the Slack Marketplace
// (https://api.slack.com/changelog/2025-05-terms-rate-limit-update-and-faq).
const marketplaceLimits = "Slack gives apps that are not in the Slack Marketplace (created since 2025-05-29) " +
	"at most 15 messages per call and one call a minute to conversations.history and conversations.replies"

// limitedNote says why a page holds fewer messages than asked when Slack
// cut it to 15 and has more.
func limitedNote(b *strings.Builder, asked, got int, cursor string) {
	if cursor != "" && got == 15 && asked > 15 {
		fmt.Fprintf(b, "Slack returned 15 of the %d messages asked for: %s.\n", asked, marketplaceLimits)
	}
}

func setIf(form url.Values, key, v string) {
	if v != "" {
		form.Set(key, v)
	}
}
