package slack_test

import (
	"testing"

	"github.com/mcpgate/mcpgate/pkg/connector/connectortest"
	"github.com/mcpgate/mcpgate/pkg/connector/slack/slackfake"
)

func TestToolsAnswerFromSlack(t *testing.T) {
	t.Parallel()
	tests := []connectortest.ToolCase{
		{Name: "list_channels shows visible unarchived channels", Tool: "list_channels", Args: `{}`,
			Want: []string{"4 channels (public_channel, private_channel):",
				"C01GENERAL #general [public, member] · 4 members · topic: Company-wide announcements",
				"C03PLANS #secret-plans [private, member]", "C05ANNOUNCE #announcements [public] · 3 members"},
			Omit: []string{"old-news", "hidden", "More channels"}},
		{Name: "list_channels can include archived ones", Tool: "list_channels", Args: `{"include_archived":true}`,
			Want: []string{"5 channels", "C04OLDNEWS #old-news [public, member, archived]"}},
		{Name: "list_channels filters by type", Tool: "list_channels", Args: `{"types":["private_channel"]}`,
			Want: []string{"1 channel (private_channel):", "#secret-plans"}, Omit: []string{"#general"}},
		{Name: "list_channels pages", Tool: "list_channels", Args: `{"limit":1}`,
			Want: []string{"1 channel", "#general", `More channels: call again with cursor="`}, Omit: []string{"#random"}},
		{Name: "list_channels reads a later page", Tool: "list_channels", Args: `{"limit":1,"cursor":"bmV4dDox"}`,
			Want: []string{"1 channel", "#random"}, Omit: []string{"#general"}},
		{Name: "channel_history lists newest first with threads", Tool: "channel_history", Args: `{"channel":"C01GENERAL"}`,
			Want: []string{"3 messages in channel C01GENERAL, newest first:\n- 2024-05-01 12:00:00Z · U01ALICE · ts 1714564800.000500\n  Lunch at noon?",
				"ts 1714561200.000200 · thread with 2 replies (thread_replies ts=1714561200.000200)\n  Deploy is done :rocket:\n  Release notes are in the wiki.",
				"- 2024-05-01 10:00:00Z · U01ALICE · ts 1714557600.000100"},
			Omit: []string{"Great work!", "More messages"}},
		{Name: "channel_history resolves a channel name", Tool: "channel_history", Args: `{"channel":"#general","limit":1}`,
			Want: []string{"1 message in channel C01GENERAL", "Lunch at noon?", `More messages (older): call again with cursor="`}, Omit: []string{"Welcome"}},
		{Name: "channel_history takes a time window", Tool: "channel_history", Args: `{"channel":"C01GENERAL","oldest":"2024-05-01T10:30:00Z","latest":"1714564800.000500"}`,
			Want: []string{"1 message", "Deploy is done"}, Omit: []string{"Lunch", "Welcome"}},
		{Name: "channel_history reads a private channel", Tool: "channel_history", Args: `{"channel":"secret-plans"}`,
			Want: []string{"1 message in channel C03PLANS", "The surprise party is on Friday."}},
		{Name: "thread_replies shows the thread oldest first", Tool: "thread_replies", Args: `{"channel":"C01GENERAL","ts":"1714561200.000200"}`,
			Want: []string{"Thread 1714561200.000200 in channel C01GENERAL, oldest first (3 messages",
				"Deploy is done", "· U01ALICE · ts 1714561260.000300\n  Great work!", "Thanks <@U01ALICE>!"}, Omit: []string{"thread with"}},
		{Name: "list_users leaves out deactivated accounts", Tool: "list_users", Args: `{}`,
			Want: []string{"4 users (1 deactivated left out):",
				"U01ALICE @alice — Alice Liddell · alice@example.com · Head of Curiosity [owner]",
				"U02BOB @bob — Bob Builder (shown as bobb) · bob@example.com · Engineer", "U0BOT @mcpgate — mcpgate [bot]"},
			Omit: []string{"carol"}},
		{Name: "list_users can include deactivated accounts", Tool: "list_users", Args: `{"include_deactivated":true,"limit":10}`,
			Want: []string{"5 users:", "U03CAROL @carol — Carol Danvers · carol@example.com · Pilot [deactivated]"}},
		{Name: "list_users pages", Tool: "list_users", Args: `{"limit":2}`,
			Want: []string{"USLACKBOT @slackbot", "U0BOT", `More users: call again with cursor="`}, Omit: []string{"alice"}},
		{Name: "get_user by id", Tool: "get_user", Args: `{"user":"U02BOB"}`,
			Want: []string{"U02BOB @bob — Bob Builder (shown as bobb) · bob@example.com · Engineer\n", "Time zone: America/New_York", "Team: T0ACME"}},
		{Name: "get_user by email", Tool: "get_user", Args: `{"email":"alice@example.com"}`,
			Want: []string{"U01ALICE @alice — Alice Liddell", "Title: Head of Curiosity"}},
	}
	suite.CheckResults(t, tests)
}

func TestPostMessageReachesTheChannel(t *testing.T) {
	t.Parallel()
	fake, up := newFake(t)
	got, err := suite.Call(t, up, "post_message", `{"channel":"#random","text":"Hello *team* ✓"}`)
	if err != nil {
		t.Fatal(err)
	}
	msgs := fake.Messages(slackfake.RandomID)
	last := msgs[len(msgs)-1]
	if last.Text != "Hello *team* ✓" || last.User != slackfake.BotUserID || last.ThreadTS != "" {
		t.Errorf("last message = %+v, want the posted text by the bot", last)
	}
	connectortest.AssertContains(t, got, "Posted to channel C02RANDOM: ts "+last.TS, "reply_in_thread thread_ts="+last.TS)
	if h := fake.LastHeaders().Get("Content-Type"); h != "application/json; charset=utf-8" {
		t.Errorf("Content-Type = %q, want JSON with its charset", h)
	}
}

func TestReplyInThreadLandsInTheThread(t *testing.T) {
	t.Parallel()
	fake, up := newFake(t)
	got, err := suite.Call(t, up, "reply_in_thread", `{"channel":"C01GENERAL","thread_ts":"1714561200.000200","text":"Shipped!","also_send_to_channel":true}`)
	if err != nil {
		t.Fatal(err)
	}
	connectortest.AssertContains(t, got, "Replied in thread 1714561200.000200 of channel C01GENERAL: ts ")
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
	hist, _ := suite.Call(t, up, "thread_replies", validArgs["thread_replies"])
	connectortest.AssertContains(t, hist, "Shipped!", "4 messages")
}

func TestReadMethodsSendAForm(t *testing.T) {
	t.Parallel()
	fake, up := newFake(t)
	if _, err := suite.Call(t, up, "list_users", `{}`); err != nil {
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
