package slack_test

import (
	"errors"
	"fmt"
	"strconv"
	"testing"

	"github.com/mcpgate/mcpgate/pkg/connector/connectortest"
	"github.com/mcpgate/mcpgate/pkg/connector/slack"
	"github.com/mcpgate/mcpgate/pkg/connector/slack/slackfake"
)

// conversations.list's limit "must be an integer under 1000"
// (https://api.slack.com/methods/conversations.list): a channel looked up
// by name is found with pages Slack accepts, and the fake refuses 1000.
func TestChannelLookupAsksForPagesUnder1000(t *testing.T) {
	t.Parallel()
	_, up := newFake(t)
	rec := connectortest.Record(&up)
	if _, err := suite.Call(t, up, "channel_history", `{"channel":"#general"}`); err != nil {
		t.Fatal(err)
	}
	lists := 0
	for _, ex := range rec.Exchanges() {
		if ex.URL.Path != "/api/conversations.list" {
			continue
		}
		lists++
		form := ex.Form()
		if n, err := strconv.Atoi(form.Get("limit")); err != nil || n < 1 || n >= 1000 {
			t.Errorf("conversations.list limit = %q, want 1-999", form.Get("limit"))
		}
	}
	if lists == 0 {
		t.Fatal("the lookup did not call conversations.list")
	}
	_, err := suite.Call(t, up, "list_channels", `{"limit":1000}`)
	connectortest.AssertContains(t, connectortest.ErrText(err), "argument limit must be at most 999")
}

// Since 2025-05-29, commercial apps not in the Slack Marketplace get 15
// messages per call and one call a minute from conversations.history and
// conversations.replies: the tools say so rather than failing opaquely.
func TestNonMarketplaceLimitsAreExplained(t *testing.T) {
	t.Parallel()
	_, up := newFake(t, slackfake.WithNonMarketplaceLimits())
	for i := range 16 {
		if _, err := suite.Call(t, up, "post_message", fmt.Sprintf(`{"channel":"C01GENERAL","text":"message %d"}`, i)); err != nil {
			t.Fatal(err)
		}
	}
	got, err := suite.Call(t, up, "channel_history", `{"channel":"C01GENERAL","limit":30}`)
	if err != nil {
		t.Fatal(err)
	}
	connectortest.AssertContains(t, got, "15 messages in channel C01GENERAL")
	connectortest.AssertContains(t, got, "Slack returned 15 of the 30 messages asked for: Slack gives apps that are not in the Slack Marketplace (created since 2025-05-29) at most 15 messages per call and one call a minute")

	_, err = suite.Call(t, up, "channel_history", `{"channel":"C01GENERAL"}`)
	if !errors.Is(err, slack.ErrRateLimited) {
		t.Fatalf("error = %v, want ErrRateLimited", err)
	}
	connectortest.AssertContains(t, connectortest.ErrText(err), "Slack rate limit reached for conversations.history; retry after 60 seconds")
	connectortest.AssertContains(t, connectortest.ErrText(err), "one call a minute to conversations.history and conversations.replies; a workspace-internal app or a Marketplace app is not limited this way")

	if _, err := suite.Call(t, up, "thread_replies", validArgs["thread_replies"]); err != nil {
		t.Fatalf("the first conversations.replies call of the minute: %v", err)
	}
	_, err = suite.Call(t, up, "thread_replies", validArgs["thread_replies"])
	connectortest.AssertContains(t, connectortest.ErrText(err), "Slack rate limit reached for conversations.replies")
}
