package slack_test

import (
	"testing"

	"github.com/mcpgate/mcpgate/pkg/connector"
	"github.com/mcpgate/mcpgate/pkg/connector/connectortest"
	"github.com/mcpgate/mcpgate/pkg/connector/slack/slackfake"
)

// canary is a recognisable token: no text a tool returns may contain it.
const canary = "xoxb-CANARY-0123456789-abcdefghijklmnop"

// suite runs the checks every connector shares; its Call checks every
// result and error for the canary.
var suite = connectortest.Suite[*slackfake.Server]{
	Name:      "slack",
	Canary:    canary,
	NewFake:   func(tb testing.TB) (*slackfake.Server, connector.Upstream) { return newFake(tb) },
	ValidArgs: validArgs,
}

// newFake starts a fake that accepts canary and an Upstream aimed at it.
func newFake(t testing.TB, opts ...slackfake.Option) (*slackfake.Server, connector.Upstream) {
	t.Helper()
	fake := slackfake.New(canary, opts...)
	t.Cleanup(fake.Close)
	return fake, connectortest.Upstream(fake.URL, canary)
}

// validArgs has arguments each tool accepts against the seeded fake.
var validArgs = map[string]string{
	"list_channels":   `{}`,
	"channel_history": `{"channel":"C01GENERAL"}`,
	"thread_replies":  `{"channel":"C01GENERAL","ts":"1714561200.000200"}`,
	"post_message":    `{"channel":"C01GENERAL","text":"Hello from the gateway"}`,
	"reply_in_thread": `{"channel":"C01GENERAL","thread_ts":"1714561200.000200","text":"Nice"}`,
	"list_users":      `{}`,
	"get_user":        `{"user":"U02BOB"}`,
}
