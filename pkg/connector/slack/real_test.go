package slack_test

import (
	"fmt"
	"regexp"
	"testing"
	"time"

	"github.com/mcpgate/mcpgate/pkg/connector/connectortest"
)

// real runs the tools against slack.com when MCPGATE_TEST_SLACK_TOKEN
// holds a bot or user token; MCPGATE_TEST_SLACK_CHANNEL (an id or #name
// the app is in) adds the history tools, and MCPGATE_TEST_SLACK_WRITE=1
// posts to that channel.
var real = connectortest.Real{Provider: "slack", TokenEnv: "MCPGATE_TEST_SLACK_TOKEN", WriteEnv: "MCPGATE_TEST_SLACK_WRITE"}

func TestRealSlackReads(t *testing.T) {
	up := real.Upstream(t)
	real.Identify(t, up)
	real.Call(t, up, "list_channels", `{"limit":20}`)
	real.Call(t, up, "list_users", `{"limit":20}`)
	ch := real.Env(t, "MCPGATE_TEST_SLACK_CHANNEL", "a channel id or #name the app is a member of")
	real.Call(t, up, "channel_history", fmt.Sprintf(`{"channel":%q,"limit":5}`, ch))
}

func TestRealSlackWrites(t *testing.T) {
	up := real.Upstream(t)
	real.Writes(t)
	ch := real.Env(t, "MCPGATE_TEST_SLACK_CHANNEL", "a scratch channel id or #name the app may post in")
	out := real.Call(t, up, "post_message", fmt.Sprintf(`{"channel":%q,"text":"mcpgate real-service test %s"}`, ch, time.Now().UTC().Format(time.RFC3339)))
	ts := regexp.MustCompile(`\d{10}\.\d{6}`).FindString(out)
	if ts == "" {
		t.Fatalf("post_message did not give the message's ts: %s", out)
	}
	real.Call(t, up, "reply_in_thread", fmt.Sprintf(`{"channel":%q,"thread_ts":%q,"text":"a reply from mcpgate's tests"}`, ch, ts))
	real.Call(t, up, "thread_replies", fmt.Sprintf(`{"channel":%q,"ts":%q}`, ch, ts))
}
