package slack_test

import (
	"strings"
	"testing"
)

// TestBadArgumentsAreRefusedBeforeAnyRequest checks that every argument
// problem is explained without calling Slack.
func TestBadArgumentsAreRefusedBeforeAnyRequest(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("é", 40001)
	tests := []struct{ name, tool, args, want string }{
		{"not JSON", "list_channels", `{`, "arguments are not valid JSON"},
		{"not an object", "list_users", `[1]`, "arguments must be a JSON object"},
		{"two objects", "list_users", `{} {}`, "arguments must be a single JSON object"},
		{"unknown argument", "list_channels", `{"type":"im"}`, `unknown argument "type"`},
		{"wrong type", "channel_history", `{"channel":"C01GENERAL","limit":"ten"}`, "argument limit must be an integer, not string"},
		{"unknown channel type", "list_channels", `{"types":["dm"]}`, "types must contain only public_channel, private_channel, mpim, im"},
		{"limit too big", "list_channels", `{"limit":5000}`, "limit must be between 1 and 1000"},
		{"negative limit", "list_users", `{"limit":-1}`, "limit must be between 1 and 1000"},
		{"cursor with odd characters", "list_users", `{"cursor":"a b"}`, "cursor is not one Slack gave out"},
		{"history without channel", "channel_history", `{}`, "channel is required"},
		{"channel that is no name", "channel_history", `{"channel":"general channel!"}`, "is neither a Slack channel id"},
		{"history limit too big", "channel_history", `{"channel":"C01GENERAL","limit":1000}`, "limit must be between 1 and 999"},
		{"bad oldest", "channel_history", `{"channel":"C01GENERAL","oldest":"yesterday"}`, "oldest \"yesterday\" must be a Slack timestamp"},
		{"bad latest", "channel_history", `{"channel":"C01GENERAL","latest":"2024-13-45"}`, "latest \"2024-13-45\" must be"},
		{"replies without ts", "thread_replies", `{"channel":"C01GENERAL"}`, "ts is required"},
		{"replies with a malformed ts", "thread_replies", `{"channel":"C01GENERAL","ts":"abc"}`, "is not a Slack message timestamp"},
		{"post without text", "post_message", `{"channel":"C01GENERAL","text":"  "}`, "text is required"},
		{"post without channel", "post_message", `{"text":"hi"}`, "channel is required"},
		{"post too long", "post_message", `{"channel":"C01GENERAL","text":"` + long + `"}`, "text is 40001 characters; Slack accepts at most 40000"},
		{"reply without thread_ts", "reply_in_thread", `{"channel":"C01GENERAL","text":"hi"}`, "thread_ts is required"},
		{"get_user with neither", "get_user", `{}`, "user or email is required"},
		{"get_user with both", "get_user", `{"user":"U01ALICE","email":"a@example.com"}`, "give either user or email, not both"},
		{"get_user with a name", "get_user", `{"user":"alice"}`, `user "alice" is not a Slack user id`},
		{"get_user with a bad email", "get_user", `{"email":"alice at example"}`, `email "alice at example" is not an email address`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fake, up := newFake(t)
			_, err := call(t, up, tt.tool, tt.args)
			assertContains(t, errText(err), tt.want)
			if n := fake.Requests(); n != 0 {
				t.Errorf("fake saw %d requests, want none", n)
			}
		})
	}
}

func TestArgumentFormsThatAreAccepted(t *testing.T) {
	t.Parallel()
	for _, args := range []string{
		`{"channel":"general","oldest":"2024-05-01","latest":"1714564800"}`,
		`{"channel":"#General","oldest":"1714557600.000100","latest":"2024-05-01T12:00:00"}`,
		`null`, // arguments absent: channel is then missing
	} {
		_, up := newFake(t)
		_, err := call(t, up, "channel_history", args)
		if args == `null` {
			assertContains(t, errText(err), "channel is required")
			continue
		}
		if err != nil {
			t.Errorf("channel_history(%s): %v", args, err)
		}
	}
}
