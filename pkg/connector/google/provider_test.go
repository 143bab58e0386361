package google_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"testing"

	"github.com/mcpgate/mcpgate/pkg/connector"
	"github.com/mcpgate/mcpgate/pkg/connector/google"
	"github.com/mcpgate/mcpgate/pkg/connector/google/googlefake"
	"github.com/mcpgate/mcpgate/pkg/secret"
)

func TestProviderIsRegistered(t *testing.T) {
	t.Parallel()
	p := provider(t)
	if got := p.DefaultAPIURL(); got != "https://www.googleapis.com" {
		t.Errorf("DefaultAPIURL() = %q, want https://www.googleapis.com", got)
	}
	if got, want := p.AuthKinds(), []string{connector.AuthOAuth2}; !slices.Equal(got, want) {
		t.Errorf("AuthKinds() = %v, want %v", got, want)
	}
	if _, ok := p.(connector.OAuthProvider); !ok {
		t.Error("the provider is not a connector.OAuthProvider")
	}
	if _, ok := p.(connector.Revoker); !ok {
		t.Error("the provider is not a connector.Revoker")
	}
}

func TestOAuthMetadata(t *testing.T) {
	t.Parallel()
	op := provider(t).(connector.OAuthProvider)
	ep := op.OAuth()
	if ep.AuthURL != "https://accounts.google.com/o/oauth2/v2/auth" || ep.TokenURL != "https://oauth2.googleapis.com/token" {
		t.Errorf("endpoints = %q, %q", ep.AuthURL, ep.TokenURL)
	}
	if google.RevokeURL != "https://oauth2.googleapis.com/revoke" {
		t.Errorf("RevokeURL = %q", google.RevokeURL)
	}
	if ep.AuthParams["access_type"] != "offline" || ep.AuthParams["prompt"] != "consent" {
		t.Errorf("AuthParams = %v, want access_type=offline prompt=consent", ep.AuthParams)
	}
	for _, want := range []string{"openid", "email", google.ScopeGmailReadonly, google.ScopeGmailCompose, google.ScopeDriveReadonly, google.ScopeDriveFile} {
		if !slices.Contains(ep.Scopes, want) {
			t.Errorf("Scopes %v lack %s", ep.Scopes, want)
		}
	}
	if slices.Contains(ep.Scopes, google.ScopeGmailModify) || slices.Contains(ep.Scopes, google.ScopeDrive) {
		t.Errorf("Scopes %v ask for more than the tools need", ep.Scopes)
	}
	// The caller gets copies.
	ep.Scopes[0], ep.AuthParams["prompt"] = "changed", "none"
	if again := op.OAuth(); again.Scopes[0] == "changed" || again.AuthParams["prompt"] != "consent" {
		t.Error("OAuth() hands out the package's own slice or map")
	}
}

func TestToolsDescribeThemselves(t *testing.T) {
	t.Parallel()
	readOnly := map[string]bool{
		"gmail_search": true, "gmail_read": true, "gmail_list_labels": true, "gmail_create_draft": false, "gmail_send": false,
		"drive_search": true, "drive_get": true, "drive_read": true, "drive_create_text": false,
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

func TestIdentify(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		scopes   []string
		wantReqs int64
	}{
		{"from the Gmail profile", []string{googlefake.ScopeGmailReadonly, googlefake.ScopeDriveReadonly}, 1},
		{"from Drive when Gmail was not granted", []string{googlefake.ScopeDriveFile}, 2},
		{"with gmail.compose alone", []string{googlefake.ScopeGmailCompose}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fake, up := newFake(t, googlefake.WithScopes(tt.scopes...))
			got, err := provider(t).Identify(context.Background(), up)
			if err != nil || got != googlefake.Email {
				t.Errorf("Identify() = %q, %v; want %s", got, err, googlefake.Email)
			}
			if n := fake.Requests(); n != tt.wantReqs {
				t.Errorf("%d requests, want %d", n, tt.wantReqs)
			}
		})
	}
}

func TestIdentifyFailures(t *testing.T) {
	t.Parallel()
	fake, up := newFake(t)
	fake.ExpireAccessTokens()
	_, err := provider(t).Identify(context.Background(), up)
	if !errors.Is(err, connector.ErrUnauthorized) {
		t.Errorf("expired token: error = %v, want ErrUnauthorized", err)
	}
	assertNoToken(t, "", err)

	_, up = newFake(t, googlefake.WithScopes("https://www.googleapis.com/auth/calendar"))
	_, err = provider(t).Identify(context.Background(), up)
	assertContains(t, errText(err), "grant gmail.readonly or drive.readonly")

	fake, up = newFake(t)
	fake.FailNext(googlefake.EchoToken, 2)
	_, err = provider(t).Identify(context.Background(), up)
	assertContains(t, errText(err), "[redacted]")
	assertNoToken(t, "", err)
}

func TestRevokeEndsTheGrant(t *testing.T) {
	t.Parallel()
	fake, up := newFake(t)
	p := google.Provider{RevokeEndpoint: fake.RevokeURL()}
	if err := p.Revoke(context.Background(), up, connector.OAuthClient{}); err != nil {
		t.Fatalf("Revoke: %v", err)
	}
	if !fake.Revoked(canary) {
		t.Error("the fake did not see the token revoked")
	}
	if _, err := call(t, up, "gmail_list_labels", `{}`); !errors.Is(err, connector.ErrUnauthorized) {
		t.Errorf("after Revoke: error = %v, want ErrUnauthorized", err)
	}
	// Revoking again is not an error: the grant is gone either way.
	if err := p.Revoke(context.Background(), up, connector.OAuthClient{}); err != nil {
		t.Errorf("second Revoke: %v", err)
	}
}

func TestRevokePrefersTheRefreshToken(t *testing.T) {
	t.Parallel()
	fake, up := newFake(t)
	fake.RegisterClient("cid", "csecret", "http://127.0.0.1/callback")
	tok := exchange(t, fake, "http://127.0.0.1:8080/callback")
	up.Credential = secret.FromString(`{"access_token":"` + tok.AccessToken + `","refresh_token":"` + tok.RefreshToken + `"}`)
	if err := (google.Provider{RevokeEndpoint: fake.RevokeURL()}).Revoke(context.Background(), up, connector.OAuthClient{}); err != nil {
		t.Fatal(err)
	}
	if !fake.Revoked(tok.RefreshToken) {
		t.Error("the refresh token was not revoked")
	}
	if _, err := call(t, up, "gmail_list_labels", `{}`); !errors.Is(err, connector.ErrUnauthorized) {
		t.Errorf("the access token still works after its grant was revoked: %v", err)
	}
}

func TestRevokeFailureIsClear(t *testing.T) {
	t.Parallel()
	fake, up := newFake(t)
	fake.FailNext(googlefake.ServerError, 1)
	err := (google.Provider{RevokeEndpoint: fake.RevokeURL()}).Revoke(context.Background(), up, connector.OAuthClient{})
	assertContains(t, errText(err), "Google did not revoke the token (HTTP 500: internal_failure, Backend Error); remove the app's access at https://myaccount.google.com/permissions")
	assertNoToken(t, "", err)
}
