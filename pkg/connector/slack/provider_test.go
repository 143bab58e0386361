package slack_test

import (
	"context"
	"encoding/json"
	"slices"
	"testing"

	"github.com/mcpgate/mcpgate/pkg/connector"
	"github.com/mcpgate/mcpgate/pkg/connector/connectortest"
	"github.com/mcpgate/mcpgate/pkg/connector/fakekit"
	"github.com/mcpgate/mcpgate/pkg/connector/slack"
	"github.com/mcpgate/mcpgate/pkg/connector/slack/slackfake"
	"github.com/mcpgate/mcpgate/pkg/secret"
)

func TestProviderIsRegistered(t *testing.T) {
	t.Parallel()
	suite.CheckRegistered(t, "https://slack.com/api", connector.AuthAPIKey, connector.AuthOAuth2)
	ep := suite.OAuthProvider(t).OAuth()
	if ep.AuthURL != "https://slack.com/oauth/v2/authorize" || ep.TokenURL != "https://slack.com/api/oauth.v2.access" || ep.ScopeSeparator != "," {
		t.Errorf("OAuth() = %+v", ep)
	}
	if !slices.Equal(ep.Scopes, slack.DefaultScopes) || len(ep.Scopes) != 7 {
		t.Errorf("OAuth().Scopes = %v, want DefaultScopes", ep.Scopes)
	}
	ep.Scopes[0] = "changed"
	if slack.DefaultScopes[0] != "channels:read" {
		t.Error("OAuth() shares its Scopes slice with DefaultScopes")
	}
	if slack.RevokeURL != "https://slack.com/api/auth.revoke" {
		t.Errorf("RevokeURL = %q", slack.RevokeURL)
	}
}

func TestToolsDescribeThemselves(t *testing.T) {
	t.Parallel()
	suite.CheckTools(t, map[string]connectortest.ToolFlags{
		"list_channels": {ReadOnly: true}, "channel_history": {ReadOnly: true}, "thread_replies": {ReadOnly: true},
		"post_message": {}, "reply_in_thread": {}, "list_users": {ReadOnly: true}, "get_user": {ReadOnly: true},
	})
}

func TestIdentifyNamesUserAndTeam(t *testing.T) {
	t.Parallel()
	_, up := newFake(t)
	got, err := suite.Provider(t).Identify(context.Background(), up)
	if err != nil || got != "mcpgate@Acme Corp" {
		t.Errorf("Identify() = %q, %v; want mcpgate@Acme Corp", got, err)
	}
}

func TestIdentifyRefusesAWrongToken(t *testing.T) {
	t.Parallel()
	suite.CheckIdentifyRefuses(t, "xoxb-wrong-token")
}

func TestIdentifyWithAnOAuthUserToken(t *testing.T) {
	t.Parallel()
	fake, up := newFake(t)
	code := fake.MintCode(slackfake.Grant{UserScopes: []string{"users:read"}})
	resp, err := fake.Client().PostForm(fake.TokenURL, map[string][]string{
		"code": {code}, "client_id": {fake.ClientID}, "client_secret": {fake.ClientSecret},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		AuthedUser struct {
			AccessToken string `json:"access_token"`
		} `json:"authed_user"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	up.Credential = secret.FromString(out.AuthedUser.AccessToken)
	got, err := suite.Provider(t).Identify(context.Background(), up)
	if err != nil || got != "alice@Acme Corp" {
		t.Errorf("Identify() = %q, %v; want alice@Acme Corp", got, err)
	}
}

func TestRevokeEndsTheToken(t *testing.T) {
	t.Parallel()
	fake, up, r := suite.CheckRevoke(t, (*slackfake.Server).TokenValid)
	fake.FailNext(fakekit.ServerError, 1)
	if err := r.Revoke(context.Background(), up, connector.OAuthClient{}); err == nil {
		t.Error("Revoke hid a server error")
	}
}

func TestBadBaseURLIsExplained(t *testing.T) {
	t.Parallel()
	for _, base := range []string{"slack.com/api", "ftp://slack.com", "http://"} {
		_, err := suite.Call(t, connector.Upstream{BaseURL: base, Credential: secret.FromString(canary)}, "list_users", `{}`)
		connectortest.AssertContains(t, connectortest.ErrText(err), "fix connectors.slack.api_url")
	}
	fake, up := newFake(t)
	up.BaseURL = fake.URL[:len(fake.URL)-len("/api")]
	_, err := suite.Call(t, up, "list_users", `{}`)
	connectortest.AssertContains(t, connectortest.ErrText(err), "check connectors.slack.api_url")
}

func BenchmarkChannelHistory(b *testing.B) {
	suite.BenchmarkTool(b, "channel_history")
}
