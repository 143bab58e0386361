package dropbox_test

import (
	"context"
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/mcpgate/mcpgate/pkg/connector"
	"github.com/mcpgate/mcpgate/pkg/connector/connectortest"
	"github.com/mcpgate/mcpgate/pkg/connector/dropbox"
	"github.com/mcpgate/mcpgate/pkg/connector/dropbox/dropboxfake"
	"github.com/mcpgate/mcpgate/pkg/secret"
)

func TestProviderIsRegistered(t *testing.T) {
	t.Parallel()
	suite.CheckRegistered(t, "https://api.dropboxapi.com/2", connector.AuthOAuth2, connector.AuthAPIKey)
	ep := suite.OAuthProvider(t).OAuth()
	if ep.AuthURL != "https://www.dropbox.com/oauth2/authorize" || ep.TokenURL != "https://api.dropboxapi.com/oauth2/token" {
		t.Errorf("OAuth() = %+v", ep)
	}
	if !slices.Equal(ep.Scopes, dropbox.DefaultScopes) || !maps.Equal(ep.AuthParams, map[string]string{"token_access_type": "offline"}) {
		t.Errorf("OAuth() scopes %v, params %v", ep.Scopes, ep.AuthParams)
	}
	ep.AuthParams["token_access_type"] = "online"
	if dropbox.AuthParams["token_access_type"] != "offline" {
		t.Error("OAuth() shares its AuthParams map with AuthParams")
	}
	if dropbox.RevokeURL != "https://api.dropboxapi.com/2/auth/token/revoke" {
		t.Errorf("RevokeURL = %q", dropbox.RevokeURL)
	}
}

func TestContentURLIsDerivedFromTheAPIURL(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"https://api.dropboxapi.com/2":      "https://content.dropboxapi.com/2",
		"https://API.dropboxapi.com:443/2":  "https://content.dropboxapi.com:443/2",
		"http://127.0.0.1:8080/2":           "http://127.0.0.1:8080/2",
		"https://dropbox-proxy.internal/2/": "https://dropbox-proxy.internal/2/",
	} {
		if got := dropbox.ContentURL(in); got != want {
			t.Errorf("ContentURL(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestToolsDescribeThemselves(t *testing.T) {
	t.Parallel()
	suite.CheckTools(t, map[string]connectortest.ToolFlags{
		"list_folder": {ReadOnly: true}, "search": {ReadOnly: true}, "read_file": {ReadOnly: true},
		"upload_text": {Destructive: true}, "create_shared_link": {},
	})
}

func TestIdentifyReturnsTheEmail(t *testing.T) {
	t.Parallel()
	fake, up := newFake(t)
	got, err := suite.Provider(t).Identify(context.Background(), up)
	if err != nil || got != "alice@example.com" {
		t.Errorf("Identify() = %q, %v; want alice@example.com", got, err)
	}
	h := fake.LastHeaders()
	if h.Get("Content-Type") != "application/json" || h.Get("Authorization") != "Bearer "+canary {
		t.Errorf("headers = %v", h)
	}
}

func TestIdentifyRefusesAWrongToken(t *testing.T) {
	t.Parallel()
	suite.CheckIdentifyRefuses(t, "sl.wrong")
}

func TestContentRoutesCarryTheirArgumentInAHeader(t *testing.T) {
	t.Parallel()
	fake, up := newFake(t)
	if _, err := suite.Call(t, up, "read_file", `{"path":"/Résumé.txt"}`); err != nil {
		t.Fatal(err)
	}
	h := fake.LastHeaders()
	if got := h.Get("Dropbox-API-Arg"); got != `{"path":"/R\u00e9sum\u00e9.txt"}` {
		t.Errorf("Dropbox-API-Arg = %s, want ASCII-only JSON", got)
	}
	if ct := h.Get("Content-Type"); ct != "" {
		t.Errorf("download Content-Type = %q, want none", ct)
	}
	if _, err := suite.Call(t, up, "upload_text", `{"path":"/emoji 😀.txt","text":"x"}`); err != nil {
		t.Fatal(err)
	}
	h = fake.LastHeaders()
	if got := h.Get("Dropbox-API-Arg"); !strings.Contains(got, `\ud83d\ude00`) || h.Get("Content-Type") != "application/octet-stream" {
		t.Errorf("upload headers: arg %s, type %q", got, h.Get("Content-Type"))
	}
	if b, ok := fake.File("/emoji 😀.txt"); !ok || string(b) != "x" {
		t.Errorf("the emoji file was not stored: %q %v", b, ok)
	}
}

func TestRevokeEndsTheGrant(t *testing.T) {
	t.Parallel()
	fake, up, r := suite.CheckRevoke(t, (*dropboxfake.Server).TokenValid)
	up.Credential = secret.FromString(exchange(t, fake, fake.MintCode(dropboxfake.Grant{})))
	fake.ExpireAccessTokens()
	if err := r.Revoke(context.Background(), up, connector.OAuthClient{}); !errors.Is(err, connector.ErrUnauthorized) {
		t.Errorf("revoking with an expired token: %v, want ErrUnauthorized (refresh first)", err)
	}
}

func BenchmarkReadFile(b *testing.B) {
	suite.BenchmarkTool(b, "read_file")
}
