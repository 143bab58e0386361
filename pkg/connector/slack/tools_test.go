package slack_test

import (
	"testing"

	"github.com/mcpgate/mcpgate/pkg/connector/slack/slackfake"
)

func TestToolsAnswerFromSlack(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, tool, args string
		want, omit       []string
	}{
		{"list_channels shows visible unarchived channels", "list_channels", `{}`,
			[]string{"4 channels (public_channel, private_channel):",
				"C01GENERAL #general [public, member] · 4 members · topic: Company-wide announcements",
				"C03PLANS #secret-plans [private, member]", "C05ANNOUNCE #announcements [public] · 3 members"},
			[]string{"old-news", "hidden", "More channels"}},
		{"list_channels can include archived ones", "list_channels", `{"include_archived":true}`,
			[]string{"5 channels", "C04OLDNEWS #old-news [public, member, archived]"}, nil},
		{"list_channels filters by type", "list_channels", `{"types":["private_channel"]}`,
			[]string{"1 channel (private_channel):", "#secret-plans"}, []string{"#general"}},
		{"list_channels pages", "list_channels", `{"limit":1}`,
			[]string{"1 channel", "#general", `More channels: call again with cursor="`}, []string{"#random"}},
		{"list_channels reads a later page", "list_channels", `{"limit":1,"cursor":"bmV4dDox"}`,
			[]string{"1 channel", "#random"}, []string{"#general"}},
		{"channel_history lists newest first with threads", "channel_history", `{"channel":"C01GENERAL"}`,
			[]string{"3 messages in channel C01GENERAL, newest first:\n- 2024-05-01 12:00:00Z · U01ALICE · ts 1714564800.000500\n  Lunch at noon?",
				"ts 1714561200.000200 · thread with 2 replies (thread_replies ts=1714561200.000200)\n  Deploy is done :rocket:\n  Release notes are in the wiki.",
				"- 2024-05-01 10:00:00Z · U01ALICE · ts 1714557600.000100"},
			[]string{"Great work!", "More messages"}},
		{"channel_history resolves a channel name", "channel_history", `{"channel":"#general","limit":1}`,
			[]string{"1 message in channel C01GENERAL", "Lunch at noon?", `More messages (older): call again with cursor="`}, []string{"Welcome"}},
		{"channel_history takes a time window", "channel_history", `{"channel":"C01GENERAL","oldest":"2024-05-01T10:30:00Z","latest":"1714564800.000500"}`,
			[]string{"1 message", "Deploy is done"}, []string{"Lunch", "Welcome"}},
		{"channel_history reads a private channel", "channel_history", `{"channel":"secret-plans"}`,
			[]string{"1 message in channel C03PLANS", "The surprise party is on Friday."}, nil},
		{"thread_replies shows the thread oldest first", "thread_replies", `{"channel":"C01GENERAL","ts":"1714561200.000200"}`,
			[]string{"Thread 1714561200.000200 in channel C01GENERAL, oldest first (3 messages",
				"Deploy is done", "· U01ALICE · ts 1714561260.000300\n  Great work!", "Thanks <@U01ALICE>!"}, []string{"thread with"}},
		{"list_users leaves out deactivated accounts", "list_users", `{}`,
			[]string{"4 users (1 deactivated left out):",
				"U01ALICE @alice — Alice Liddell · alice@example.com · Head of Curiosity [owner]",
				"U02BOB @bob — Bob Builder (shown as bobb) · bob@example.com · Engineer", "U0BOT @mcpgate — mcpgate [bot]"},
			[]string{"carol"}},
		{"list_users can include deactivated accounts", "list_users", `{"include_deactivated":true,"limit":10}`,
			[]string{"5 users:", "U03CAROL @carol — Carol Danvers · carol@example.com · Pilot [deactivated]"}, nil},
		{"list_users pages", "list_users", `{"limit":2}`,
			[]string{"USLACKBOT @slackbot", "U0BOT", `More users: call again with cursor="`}, []string{"alice"}},
		{"get_user by id", "get_user", `{"user":"U02BOB"}`,
			[]string{"U02BOB @bob — Bob Builder (shown as bobb) · bob@example.com · Engineer\n", "Time zone: America/New_York", "Team: T0ACME"}, nil},
		{"get_user by email", "get_user", `{"email":"alice@example.com"}`,
			[]string{"U01ALICE @alice — Alice Liddell", "Title: Head of Curiosity"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, up := newFake(t)
			got, err := call(t, up, tt.tool, tt.args)
			if err != nil {
				t.Fatalf("%s(%s): %v", tt.tool, tt.args, err)
			}
			assertContains(t, got, tt.want...)
			assertOmits(t, got, tt.omit...)
		})
	}
}

func TestPostMessageReachesTheChannel(t *testing.T) {
	t.Parallel()
	fake, up := newFake(t)
	got, err := call(t, up, "post_message", `{"channel":"#random","text":"Hello *team* ✓"}`)
	if err != nil {
		t.Fatal(err)
	}
	msgs := fake.Messages(slackfake.RandomID)
	last := msgs[len(msgs)-1]
	if last.Text != "Hello *team* ✓" || last.User != slackfake.BotUserID || last.ThreadTS != "" {
		t.Errorf("last message = %+v, want the posted text by the bot", last)
	}
	assertContains(t, got, "Posted to channel C02RANDOM: ts "+last.TS, "reply_in_thread thread_ts="+last.TS)
	if h := fake.LastHeaders().Get("Content-Type"); h != "application/json; charset=utf-8" {
		t.Errorf("Content-Type = %q, want JSON with its charset", h)
	}
}

func TestReplyInThreadLandsInTheThread(t *testing.T) {
	t.Parallel()
	fake, up := newFake(t)
	got, err := call(t, up, "reply_in_thread", `{"channel":"C01GENERAL","thread_ts":"1714561200.000200","text":"Shipped!","also_send_to_channel":true}`)
	if err != nil {
		t.Fatal(err)
	}
	assertContains(t, got, "Replied in thread 1714561200.000200 of channel C01GENERAL: ts ")
	var replies, broadcasts int
	for _, m := range fake.Messages(slackfake.GeneralID) {
		if m.Text == "Shipped!" && m.ThreadTS == slackfake.ThreadTS {
			replies++
		} else if m.Text == "Shipped!" {
			broadcasts++
		}
	}
	if replies != 1 || broadcasts != 1 {
		t.Errorf("replies, broadcasts = %d, %d; want 1, 1", replies, broadcasts)
	}
	hist, _ := call(t, up, "thread_replies", validArgs["thread_replies"])
	assertContains(t, hist, "Shipped!", "4 messages")
}

func TestReadMethodsSendAForm(t *testing.T) {
	t.Parallel()
	fake, up := newFake(t)
	if _, err := call(t, up, "list_users", `{}`); err != nil {
		t.Fatal(err)
	}
	h := fake.LastHeaders()
	for name, want := range map[string]string{
		"Authorization": "Bearer " + canary,
		"Content-Type":  "application/x-www-form-urlencoded",
		"User-Agent":    "mcpgate",
	} {
		if got := h.Get(name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
}
