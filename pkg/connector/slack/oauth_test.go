package slack_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/mcpgate/mcpgate/pkg/connector/slack"
	"github.com/mcpgate/mcpgate/pkg/connector/slack/slackfake"
)

func TestTokenTransportSpeaksRFC6749(t *testing.T) {
	t.Parallel()
	fake, _ := newFake(t)
	client := &http.Client{Transport: slack.TokenTransport{Base: fake.Client().Transport}}
	post := func(form url.Values) (int, map[string]any) {
		t.Helper()
		form.Set("client_id", fake.ClientID)
		form.Set("client_secret", fake.ClientSecret)
		resp, err := client.Post(fake.TokenURL, "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		var out map[string]any
		if err := json.Unmarshal(b, &out); err != nil {
			t.Fatalf("body %q: %v", b, err)
		}
		return resp.StatusCode, out
	}
	st, got := post(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"xoxe-1-dead"}})
	if st != 400 || got["error"] != "invalid_grant" || got["error_description"] != "Slack: invalid_refresh_token" {
		t.Errorf("dead refresh token: %d %v", st, got)
	}
	st, got = post(url.Values{"code": {fake.MintCode(slackfake.Grant{Scopes: []string{"chat:write"}})}})
	if st != 200 || !strings.HasPrefix(got["access_token"].(string), "xoxb-") {
		t.Errorf("bot install: %d %v", st, got)
	}
	st, got = post(url.Values{"code": {fake.MintCode(slackfake.Grant{UserScopes: []string{"users:read"}})}})
	if st != 200 || !strings.HasPrefix(got["access_token"].(string), "xoxp-") || got["token_type"] != "user" || got["scope"] != "users:read" {
		t.Errorf("user-only install: %d %v", st, got)
	}
}
