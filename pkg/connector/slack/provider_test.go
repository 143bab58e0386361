package slack_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"testing"

	"github.com/mcpgate/mcpgate/pkg/connector"
	"github.com/mcpgate/mcpgate/pkg/connector/slack"
	"github.com/mcpgate/mcpgate/pkg/connector/slack/slackfake"
	"github.com/mcpgate/mcpgate/pkg/secret"
)

func TestProviderIsRegistered(t *testing.T) {
	t.Parallel()
	p := provider(t)
	if got := p.DefaultAPIURL(); got != "https://slack.com/api" {
		t.Errorf("DefaultAPIURL() = %q", got)
	}
	if got, want := p.AuthKinds(), []string{connector.AuthAPIKey, connector.AuthOAuth2}; !slices.Equal(got, want) {
		t.Errorf("AuthKinds() = %v, want %v", got, want)
	}
	op, ok := p.(connector.OAuthProvider)
	if !ok {
		t.Fatal("the Slack provider is not a connector.OAuthProvider")
	}
	ep := op.OAuth()
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
	readOnly := map[string]bool{
		"list_channels": true, "channel_history": true, "thread_replies": true,
		"post_message": false, "reply_in_thread": false, "list_users": true, "get_user": true,
	}
	tools := provider(t).Tools()
	if len(tools) != len(readOnly) {
		t.Errorf("%d tools, want %d", len(tools), len(readOnly))
	}
	for _, tl := range tools {
		t.Run(tl.Name, func(t *testing.T) {
			want, known := readOnly[tl.Name]
			if !known {
				t.Fatalf("unexpected tool %q", tl.Name)
			}
			if tl.ReadOnly != want || tl.Destructive {
				t.Errorf("ReadOnly, Destructive = %v, %v; want %v, false", tl.ReadOnly, tl.Destructive, want)
			}
			if len(tl.Description) < 40 || tl.Call == nil {
				t.Errorf("want a real description and a Call, got %q", tl.Description)
			}
			var s struct {
				Type                 string
				Properties           map[string]struct{ Type, Description string }
				Required             []string
				AdditionalProperties *bool
			}
			if err := json.Unmarshal(tl.InputSchema, &s); err != nil {
				t.Fatalf("InputSchema is not JSON: %v", err)
			}
			if s.Type != "object" || s.AdditionalProperties == nil || *s.AdditionalProperties || s.Required == nil {
				t.Errorf("schema = %s; want a closed object with a required list", tl.InputSchema)
			}
			for _, r := range s.Required {
				if _, ok := s.Properties[r]; !ok {
					t.Errorf("required %q has no property", r)
				}
			}
			for name, p := range s.Properties {
				if p.Type == "" || p.Description == "" {
					t.Errorf("property %q lacks a type or description", name)
				}
			}
		})
	}
}

func TestIdentifyNamesUserAndTeam(t *testing.T) {
	t.Parallel()
	_, up := newFake(t)
	got, err := provider(t).Identify(context.Background(), up)
	if err != nil || got != "mcpgate@Acme Corp" {
		t.Errorf("Identify() = %q, %v; want mcpgate@Acme Corp", got, err)
	}
}

func TestIdentifyRefusesAWrongToken(t *testing.T) {
	t.Parallel()
	_, up := newFake(t)
	up.Credential = secret.FromString("xoxb-wrong-token")
	_, err := provider(t).Identify(context.Background(), up)
	if !errors.Is(err, connector.ErrUnauthorized) {
		t.Errorf("Identify() error = %v, want ErrUnauthorized", err)
	}
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
	got, err := provider(t).Identify(context.Background(), up)
	if err != nil || got != "alice@Acme Corp" {
		t.Errorf("Identify() = %q, %v; want alice@Acme Corp", got, err)
	}
}

func TestRevokeEndsTheToken(t *testing.T) {
	t.Parallel()
	fake, up := newFake(t)
	r := provider(t).(connector.Revoker)
	if err := r.Revoke(context.Background(), up, connector.OAuthClient{}); err != nil {
		t.Fatalf("Revoke: %v", err)
	}
	if fake.TokenValid(canary) {
		t.Error("the token still works after Revoke")
	}
	if err := r.Revoke(context.Background(), up, connector.OAuthClient{}); err != nil {
		t.Errorf("revoking a revoked token: %v, want nil", err)
	}
	fake.FailNext(slackfake.ServerError, 1)
	if err := r.Revoke(context.Background(), up, connector.OAuthClient{}); err == nil {
		t.Error("Revoke hid a server error")
	}
}

func TestBadBaseURLIsExplained(t *testing.T) {
	t.Parallel()
	for _, base := range []string{"slack.com/api", "ftp://slack.com", "http://"} {
		_, err := call(t, connector.Upstream{BaseURL: base, Credential: secret.FromString(canary)}, "list_users", `{}`)
		assertContains(t, errText(err), "fix connectors.slack.api_url")
	}
	fake, up := newFake(t)
	up.BaseURL = fake.URL[:len(fake.URL)-len("/api")]
	_, err := call(t, up, "list_users", `{}`)
	assertContains(t, errText(err), "check connectors.slack.api_url")
}

func BenchmarkChannelHistory(b *testing.B) {
	fake := slackfake.New(canary)
	defer fake.Close()
	up := connector.Upstream{BaseURL: fake.URL, Credential: secret.FromString(canary), HTTP: fake.Client()}
	var tl connector.Tool
	for _, t := range (slack.Provider{}).Tools() {
		if t.Name == "channel_history" {
			tl = t
		}
	}
	args := json.RawMessage(validArgs["channel_history"])
	b.ReportAllocs()
	for b.Loop() {
		if _, err := tl.Call(context.Background(), up, args); err != nil {
			b.Fatal(err)
		}
	}
}
