package slack_test

import (
	"context"
	"encoding/json"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mcpgate/mcpgate/pkg/connector"
	"github.com/mcpgate/mcpgate/pkg/connector/connectortest"
	"github.com/mcpgate/mcpgate/pkg/connector/fakekit"
	"github.com/mcpgate/mcpgate/pkg/connector/slack"
	"github.com/mcpgate/mcpgate/pkg/connector/slack/slackfake"
	"github.com/mcpgate/mcpgate/pkg/secret"
)

// TestUpstreamFailuresBecomeClearErrors runs every tool against every way
// Slack (or what stands in front of it) can fail.
func TestUpstreamFailuresBecomeClearErrors(t *testing.T) {
	t.Parallel()
	suite.CheckFailures(t, connectortest.FailureMatrix[*slackfake.Server]{
		Cases: []connectortest.FailureCase[*slackfake.Server]{
			{Name: "a wrong token is unauthorized", Token: "xoxb-revoked-000000", Want: "Slack refused the connection's token (invalid_auth: the token is not valid); reconnect it", Kind: connector.ErrUnauthorized},
			{Name: "an HTML page is unexpected", Failure: fakekit.Garbage, Want: "unexpected response from Slack (HTTP 200, content type text/html"},
			{Name: "a server error says so", Failure: fakekit.ServerError, Want: "fatal_error"},
			{Name: "a rate limit says when to retry", Failure: fakekit.RateLimit, Want: "Slack rate limit reached for ", Kind: slack.ErrRateLimited},
			{Name: "an echoed token is redacted", Failure: fakekit.EchoToken, Want: "[ERROR] token [redacted] may not call"},
		},
		Omit: []string{"xoxb-revoked", "Authorization: Bearer xox"},
	})
}

func TestRateLimitNamesTheWait(t *testing.T) {
	t.Parallel()
	fake, up := newFake(t)
	fake.FailNext(fakekit.RateLimit, 1)
	_, err := suite.Call(t, up, "channel_history", validArgs["channel_history"])
	want := regexp.MustCompile(`^Slack rate limit reached for conversations\.history; retry after 30 seconds \(at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\) \(Slack gives apps that are not in the Slack Marketplace `)
	if !want.MatchString(connectortest.ErrText(err)) || !errors.Is(err, slack.ErrRateLimited) {
		t.Errorf("error = %q, want it to match %s", connectortest.ErrText(err), want)
	}
}

func TestTokenProblemsAreUnauthorized(t *testing.T) {
	t.Parallel()
	t.Run("revoked", func(t *testing.T) {
		t.Parallel()
		_, up := newFake(t)
		if err := suite.Provider(t).(connector.Revoker).Revoke(context.Background(), up, connector.OAuthClient{}); err != nil {
			t.Fatalf("Revoke: %v", err)
		}
		_, err := suite.Call(t, up, "list_channels", `{}`)
		if !errors.Is(err, connector.ErrUnauthorized) {
			t.Fatalf("error = %v, want ErrUnauthorized", err)
		}
		connectortest.AssertContains(t, err.Error(), "token_revoked: the token was revoked")
	})
	t.Run("expired", func(t *testing.T) {
		t.Parallel()
		fake, up := newFake(t, slackfake.WithTokenRotation(time.Hour))
		code := fake.MintCode(slackfake.Grant{Scopes: slackfake.AllScopes})
		tok := exchange(t, fake, code)
		fake.ExpireAccessTokens()
		up.Credential = secret.FromString(tok)
		_, err := suite.Call(t, up, "get_user", validArgs["get_user"])
		if !errors.Is(err, connector.ErrUnauthorized) || strings.Contains(connectortest.ErrText(err), tok) {
			t.Fatalf("error = %v, want ErrUnauthorized without the token", err)
		}
		connectortest.AssertContains(t, err.Error(), "token_expired: the token has expired")
	})
	t.Run("no token", func(t *testing.T) {
		t.Parallel()
		_, up := newFake(t)
		up.Credential = secret.Value{}
		_, err := suite.Call(t, up, "list_users", `{}`)
		connectortest.AssertContains(t, connectortest.ErrText(err), "the Slack connection has no token; reconnect it")
	})
}

// exchange trades a code for a token at the fake's oauth.v2.access.
func exchange(t *testing.T, fake *slackfake.Server, code string) string {
	t.Helper()
	resp, err := fake.Client().PostForm(fake.TokenURL, map[string][]string{
		"code": {code}, "client_id": {fake.ClientID}, "client_secret": {fake.ClientSecret},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		OK          bool   `json:"ok"`
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || !out.OK {
		t.Fatalf("exchange: ok=%v err=%v", out.OK, err)
	}
	return out.AccessToken
}

func TestSlackErrorCodesBecomeSentences(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, tool, args, want string
		kind                   error
	}{
		{"not a member", "channel_history", `{"channel":"C05ANNOUNCE"}`, "the app is not a member of this channel; invite it", nil},
		{"invisible private channel", "channel_history", `{"channel":"C06HIDDEN"}`, "conversations.history: channel not found (or the token cannot see it", slack.ErrNotFound},
		{"unknown channel name", "thread_replies", `{"channel":"#nope","ts":"1.2"}`, "no channel named #nope is visible to the token", slack.ErrNotFound},
		{"unknown thread", "thread_replies", `{"channel":"C01GENERAL","ts":"1.000001"}`, "thread not found: ts does not name a message", slack.ErrNotFound},
		{"archived channel", "post_message", `{"channel":"C04OLDNEWS","text":"hi"}`, "the channel is archived", nil},
		{"post where not a member", "post_message", `{"channel":"#announcements","text":"hi"}`, "not a member of this channel", nil},
		{"reply to a missing thread", "reply_in_thread", `{"channel":"C01GENERAL","thread_ts":"1.000001","text":"hi"}`, "thread not found", slack.ErrNotFound},
		{"unknown user", "get_user", `{"user":"U99NOBODY"}`, "users.info: user not found", slack.ErrNotFound},
		{"unknown email", "get_user", `{"email":"nobody@example.com"}`, "no user has this email address", slack.ErrNotFound},
		{"bad cursor", "list_users", `{"cursor":"bm9wZQ=="}`, "the cursor is not valid", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, up := newFake(t)
			_, err := suite.Call(t, up, tt.tool, tt.args)
			connectortest.AssertContains(t, connectortest.ErrText(err), tt.want)
			if tt.kind != nil && !errors.Is(err, tt.kind) {
				t.Errorf("error %q is not %v", err, tt.kind)
			}
			if errors.Is(err, connector.ErrUnauthorized) {
				t.Errorf("error %q must not be ErrUnauthorized (a refresh would not help)", err)
			}
		})
	}
}

func TestMissingScopeNamesIt(t *testing.T) {
	t.Parallel()
	_, up := newFake(t, slackfake.WithScopes("channels:read", "users:read"))
	_, err := suite.Call(t, up, "channel_history", validArgs["channel_history"])
	connectortest.AssertContains(t, connectortest.ErrText(err), "the Slack token lacks the scope channels:history that conversations.history needs (it has: channels:read,users:read); add the scope")
	got, err := suite.Call(t, up, "get_user", `{"user":"U01ALICE"}`)
	if err != nil {
		t.Fatal(err)
	}
	connectortest.AssertOmits(t, got, "alice@example.com") // Slack hides emails without users:read.email
}

func TestHangingSlackTimesOut(t *testing.T) {
	t.Parallel()
	suite.CheckTimeouts(t, slack.ErrTimeout, func(string) string { return "Slack did not answer in time" })
}

func TestContextCancelIsReported(t *testing.T) {
	t.Parallel()
	if err := suite.CheckCancel(t, "list_users"); connectortest.ErrText(err) != "the call to Slack was canceled" {
		t.Errorf("error = %v, want the call to Slack was canceled", err)
	}
}

func TestUnreachableSlackSaysSo(t *testing.T) {
	t.Parallel()
	fake, up := newFake(t)
	fake.Close()
	_, err := suite.Call(t, up, "list_users", `{}`)
	connectortest.AssertContains(t, connectortest.ErrText(err), "cannot reach Slack: ", "check connectors.slack.api_url and the network")
	connectortest.AssertOmits(t, connectortest.ErrText(err), "users.list", "http://")
}

// The gateway truncates results, once, with the key's limit; a connector
// returns the whole text.
func TestResultsAreLeftWholeForTheGateway(t *testing.T) {
	t.Parallel()
	_, up := newFake(t)
	up.MaxResultBytes = 200
	got, err := suite.Call(t, up, "channel_history", validArgs["channel_history"])
	if err != nil {
		t.Fatal(err)
	}
	connectortest.AssertOmits(t, got, "[truncated: ")
	if len(got) <= 200 {
		t.Errorf("result is %d bytes, want the whole history", len(got))
	}
}

func TestWithoutGroupsReadPublicChannelsStillWork(t *testing.T) {
	t.Parallel()
	_, up := newFake(t, slackfake.WithScopes("channels:read", "channels:history"))
	got, err := suite.Call(t, up, "list_channels", `{}`)
	if err != nil {
		t.Fatal(err)
	}
	connectortest.AssertContains(t, got, "3 channels (public_channel; private channels left out: the token lacks groups:read):", "#general")
	connectortest.AssertOmits(t, got, "secret-plans")
	if _, err := suite.Call(t, up, "channel_history", `{"channel":"#random"}`); err != nil {
		t.Errorf("channel_history by name without groups:read: %v", err)
	}
}

func TestTokenInContentIsRedacted(t *testing.T) {
	t.Parallel()
	_, up := newFake(t)
	if _, err := suite.Call(t, up, "post_message", `{"channel":"C02RANDOM","text":"oops, pasted `+canary+` here"}`); err != nil {
		t.Fatal(err)
	}
	got, err := suite.Call(t, up, "channel_history", `{"channel":"C02RANDOM"}`) // call() fails the test on a leak
	if err != nil {
		t.Fatal(err)
	}
	connectortest.AssertContains(t, got, "oops, pasted [redacted] here")
}
