package dropbox_test

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/mcpgate/mcpgate/pkg/connector"
	"github.com/mcpgate/mcpgate/pkg/connector/dropbox"
	"github.com/mcpgate/mcpgate/pkg/connector/dropbox/dropboxfake"
	"github.com/mcpgate/mcpgate/pkg/secret"
)

func TestProviderIsRegistered(t *testing.T) {
	t.Parallel()
	p := provider(t)
	if got := p.DefaultAPIURL(); got != "https://api.dropboxapi.com/2" {
		t.Errorf("DefaultAPIURL() = %q", got)
	}
	if got, want := p.AuthKinds(), []string{connector.AuthOAuth2, connector.AuthAPIKey}; !slices.Equal(got, want) {
		t.Errorf("AuthKinds() = %v, want %v", got, want)
	}
	op, ok := p.(connector.OAuthProvider)
	if !ok {
		t.Fatal("the Dropbox provider is not a connector.OAuthProvider")
	}
	ep := op.OAuth()
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
	// name: read-only, destructive
	want := map[string][2]bool{
		"list_folder": {true, false}, "search": {true, false}, "read_file": {true, false},
		"upload_text": {false, true}, "create_shared_link": {false, false},
	}
	tools := provider(t).Tools()
	if len(tools) != len(want) {
		t.Errorf("%d tools, want %d", len(tools), len(want))
	}
	for _, tl := range tools {
		t.Run(tl.Name, func(t *testing.T) {
			w, known := want[tl.Name]
			if !known {
				t.Fatalf("unexpected tool %q", tl.Name)
			}
			if tl.ReadOnly != w[0] || tl.Destructive != w[1] {
				t.Errorf("ReadOnly, Destructive = %v, %v; want %v, %v", tl.ReadOnly, tl.Destructive, w[0], w[1])
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

func TestIdentifyReturnsTheEmail(t *testing.T) {
	t.Parallel()
	fake, up := newFake(t)
	got, err := provider(t).Identify(context.Background(), up)
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
	_, up := newFake(t)
	up.Credential = secret.FromString("sl.wrong")
	_, err := provider(t).Identify(context.Background(), up)
	if !errors.Is(err, connector.ErrUnauthorized) {
		t.Errorf("Identify() error = %v, want ErrUnauthorized", err)
	}
}

func TestContentRoutesCarryTheirArgumentInAHeader(t *testing.T) {
	t.Parallel()
	fake, up := newFake(t)
	if _, err := call(t, up, "read_file", `{"path":"/Résumé.txt"}`); err != nil {
		t.Fatal(err)
	}
	h := fake.LastHeaders()
	if got := h.Get("Dropbox-API-Arg"); got != `{"path":"/R\u00e9sum\u00e9.txt"}` {
		t.Errorf("Dropbox-API-Arg = %s, want ASCII-only JSON", got)
	}
	if ct := h.Get("Content-Type"); ct != "" {
		t.Errorf("download Content-Type = %q, want none", ct)
	}
	if _, err := call(t, up, "upload_text", `{"path":"/emoji 😀.txt","text":"x"}`); err != nil {
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
	up.Credential = secret.FromString(exchange(t, fake, fake.MintCode(dropboxfake.Grant{})))
	fake.ExpireAccessTokens()
	if err := r.Revoke(context.Background(), up, connector.OAuthClient{}); !errors.Is(err, connector.ErrUnauthorized) {
		t.Errorf("revoking with an expired token: %v, want ErrUnauthorized (refresh first)", err)
	}
}

func BenchmarkReadFile(b *testing.B) {
	fake := dropboxfake.New(canary)
	defer fake.Close()
	up := connector.Upstream{BaseURL: fake.URL, Credential: secret.FromString(canary), HTTP: fake.Client()}
	var tl connector.Tool
	for _, t := range (dropbox.Provider{}).Tools() {
		if t.Name == "read_file" {
			tl = t
		}
	}
	args := json.RawMessage(validArgs["read_file"])
	b.ReportAllocs()
	for b.Loop() {
		if _, err := tl.Call(context.Background(), up, args); err != nil {
			b.Fatal(err)
		}
	}
}
