package google_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/mcpgate/mcpgate/pkg/connector"
	"github.com/mcpgate/mcpgate/pkg/connector/connectortest"
	"github.com/mcpgate/mcpgate/pkg/connector/fakekit"
	"github.com/mcpgate/mcpgate/pkg/connector/google"
	"github.com/mcpgate/mcpgate/pkg/connector/google/googlefake"
	"github.com/mcpgate/mcpgate/pkg/secret"
)

func TestProviderIsRegistered(t *testing.T) {
	t.Parallel()
	p := suite.CheckRegistered(t, "https://www.googleapis.com", connector.AuthOAuth2)
	suite.OAuthProvider(t) // fails the test unless it is one
	if _, ok := p.(connector.Revoker); !ok {
		t.Error("the provider is not a connector.Revoker")
	}
}

func TestOAuthMetadata(t *testing.T) {
	t.Parallel()
	op := suite.OAuthProvider(t)
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
	suite.CheckTools(t, map[string]connectortest.ToolFlags{
		"gmail_search": {ReadOnly: true}, "gmail_read": {ReadOnly: true}, "gmail_list_labels": {ReadOnly: true}, "gmail_create_draft": {}, "gmail_send": {},
		"drive_search": {ReadOnly: true}, "drive_get": {ReadOnly: true}, "drive_read": {ReadOnly: true}, "drive_create_text": {},
	})
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
			got, err := suite.Provider(t).Identify(context.Background(), up)
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
	_, err := suite.Provider(t).Identify(context.Background(), up)
	if !errors.Is(err, connector.ErrUnauthorized) {
		t.Errorf("expired token: error = %v, want ErrUnauthorized", err)
	}
	suite.AssertNoToken(t, "", err)

	_, up = newFake(t, googlefake.WithScopes("https://www.googleapis.com/auth/calendar"))
	_, err = suite.Provider(t).Identify(context.Background(), up)
	connectortest.AssertContains(t, connectortest.ErrText(err), "grant gmail.readonly or drive.readonly")

	fake, up = newFake(t)
	fake.FailNext(fakekit.EchoToken, 2)
	_, err = suite.Provider(t).Identify(context.Background(), up)
	connectortest.AssertContains(t, connectortest.ErrText(err), "[redacted]")
	suite.AssertNoToken(t, "", err)
}

func TestRevokeEndsTheGrant(t *testing.T) {
	t.Parallel()
	fake, up := newFake(t)
	p, client := google.Provider{}, connector.OAuthClient{RevokeURL: fake.RevokeURL()}
	if err := p.Revoke(context.Background(), up, client); err != nil {
		t.Fatalf("Revoke: %v", err)
	}
	if !fake.Revoked(canary) {
		t.Error("the fake did not see the token revoked")
	}
	if _, err := suite.Call(t, up, "gmail_list_labels", `{}`); !errors.Is(err, connector.ErrUnauthorized) {
		t.Errorf("after Revoke: error = %v, want ErrUnauthorized", err)
	}
	// Revoking again is not an error: the grant is gone either way.
	if err := p.Revoke(context.Background(), up, client); err != nil {
		t.Errorf("second Revoke: %v", err)
	}
}

func TestRevokePrefersTheRefreshToken(t *testing.T) {
	t.Parallel()
	fake, up := newFake(t)
	fake.RegisterClient("cid", "csecret", "http://127.0.0.1/callback")
	tok := exchange(t, fake, "http://127.0.0.1:8080/callback")
	up.Credential = secret.FromString(`{"access_token":"` + tok.AccessToken + `","refresh_token":"` + tok.RefreshToken + `"}`)
	if err := (google.Provider{}).Revoke(context.Background(), up, connector.OAuthClient{RevokeURL: fake.RevokeURL()}); err != nil {
		t.Fatal(err)
	}
	if !fake.Revoked(tok.RefreshToken) {
		t.Error("the refresh token was not revoked")
	}
	if _, err := suite.Call(t, up, "gmail_list_labels", `{}`); !errors.Is(err, connector.ErrUnauthorized) {
		t.Errorf("the access token still works after its grant was revoked: %v", err)
	}
}

func TestRevokeFailureIsClear(t *testing.T) {
	t.Parallel()
	fake, up := newFake(t)
	fake.FailNext(fakekit.ServerError, 1)
	err := (google.Provider{}).Revoke(context.Background(), up, connector.OAuthClient{RevokeURL: fake.RevokeURL()})
	connectortest.AssertContains(t, connectortest.ErrText(err), "Google did not revoke the token (HTTP 500: internal_failure, Backend Error); remove the app's access at https://myaccount.google.com/permissions")
	suite.AssertNoToken(t, "", err)
}
