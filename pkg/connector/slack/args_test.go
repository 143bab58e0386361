package slack_test

import (
	"strings"
	"testing"

	"github.com/mcpgate/mcpgate/pkg/connector/connectortest"
)

// TestBadArgumentsAreRefusedBeforeAnyRequest checks that every argument
// problem is explained without calling Slack.
func TestBadArgumentsAreRefusedBeforeAnyRequest(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("é", 40001)
	suite.CheckRefused(t, []connectortest.ArgCase{
		{Name: "not JSON", Tool: "list_channels", Args: `{`, Want: "arguments are not valid JSON"},
		{Name: "not an object", Tool: "list_users", Args: `[1]`, Want: "arguments must be a JSON object"},
		{Name: "two objects", Tool: "list_users", Args: `{} {}`, Want: "arguments must be a single JSON object"},
		{Name: "unknown argument", Tool: "list_channels", Args: `{"type":"im"}`, Want: `unknown argument "type"`},
		{Name: "wrong type", Tool: "channel_history", Args: `{"channel":"C01GENERAL","limit":"ten"}`, Want: "argument limit must be an integer, not a string"},
		{Name: "unknown channel type", Tool: "list_channels", Args: `{"types":["dm"]}`, Want: "argument types[0] must be one of public_channel, private_channel, mpim, im"},
		{Name: "limit too big", Tool: "list_channels", Args: `{"limit":1000}`, Want: "argument limit must be at most 999"},
		{Name: "negative limit", Tool: "list_users", Args: `{"limit":-1}`, Want: "argument limit must be at least 1"},
		{Name: "cursor with odd characters", Tool: "list_users", Args: `{"cursor":"a b"}`, Want: "cursor is not one Slack gave out"},
		{Name: "history without channel", Tool: "channel_history", Args: `{}`, Want: "channel is required"},
		{Name: "channel that is no name", Tool: "channel_history", Args: `{"channel":"general channel!"}`, Want: "is neither a Slack channel id"},
		{Name: "history limit too big", Tool: "channel_history", Args: `{"channel":"C01GENERAL","limit":1000}`, Want: "argument limit must be at most 999"},
		{Name: "bad oldest", Tool: "channel_history", Args: `{"channel":"C01GENERAL","oldest":"yesterday"}`, Want: "oldest \"yesterday\" must be a Slack timestamp"},
		{Name: "oldest before 1970", Tool: "channel_history", Args: `{"channel":"C01GENERAL","oldest":"0000-01-01"}`, Want: "oldest \"0000-01-01\" is before 1970"},
		{Name: "bad latest", Tool: "channel_history", Args: `{"channel":"C01GENERAL","latest":"2024-13-45"}`, Want: "latest \"2024-13-45\" must be"},
		{Name: "replies without ts", Tool: "thread_replies", Args: `{"channel":"C01GENERAL"}`, Want: "ts is required"},
		{Name: "replies with a malformed ts", Tool: "thread_replies", Args: `{"channel":"C01GENERAL","ts":"abc"}`, Want: "is not a Slack message timestamp"},
		{Name: "post without text", Tool: "post_message", Args: `{"channel":"C01GENERAL","text":"  "}`, Want: "text is required"},
		{Name: "post without channel", Tool: "post_message", Args: `{"text":"hi"}`, Want: "channel is required"},
		{Name: "post too long", Tool: "post_message", Args: `{"channel":"C01GENERAL","text":"` + long + `"}`, Want: "text is 40001 characters; Slack accepts at most 40000"},
		{Name: "reply without thread_ts", Tool: "reply_in_thread", Args: `{"channel":"C01GENERAL","text":"hi"}`, Want: "thread_ts is required"},
		{Name: "get_user with neither", Tool: "get_user", Args: `{}`, Want: "user or email is required"},
		{Name: "get_user with both", Tool: "get_user", Args: `{"user":"U01ALICE","email":"a@example.com"}`, Want: "give either user or email, not both"},
		{Name: "get_user with a name", Tool: "get_user", Args: `{"user":"alice"}`, Want: `user "alice" is not a Slack user id`},
		{Name: "get_user with a bad email", Tool: "get_user", Args: `{"email":"alice at example"}`, Want: `email "alice at example" is not an email address`},
	})
}

func TestArgumentFormsThatAreAccepted(t *testing.T) {
	t.Parallel()
	for _, args := range []string{
		`{"channel":"general","oldest":"2024-05-01","latest":"1714564800"}`,
		`{"channel":"#General","oldest":"1714557600.000100","latest":"2024-05-01T12:00:00"}`,
		`null`, // arguments absent: channel is then missing
	} {
		_, up := newFake(t)
		_, err := suite.Call(t, up, "channel_history", args)
		if args == `null` {
			connectortest.AssertContains(t, connectortest.ErrText(err), "channel is required")
			continue
		}
		if err != nil {
			t.Errorf("channel_history(%s): %v", args, err)
		}
	}
}
