package slack

import "github.com/mcpgate/mcpgate/pkg/connector/toolkit"

// Arguments shared by several tools.
var (
	channelProp = toolkit.String("channel", "Channel id (e.g. C0123ABCD, from list_channels) or name (e.g. #general).")
	cursorProp  = toolkit.String("cursor", "Pagination cursor from a previous result's \"More:\" line; omit for the first page.")
	textProp    = toolkit.String("text", "Message text, up to 40,000 characters. Slack mrkdwn is allowed: *bold*, _italic_, <@U0123ABCD> mentions a user.")
)
