package google_test

import (
	"context"
	"testing"

	"golang.org/x/oauth2"

	"github.com/mcpgate/mcpgate/pkg/connector/google/googlefake"
)

// exchange runs the code flow with PKCE against the fake with
// golang.org/x/oauth2, for tests that need a real grant.
func exchange(t *testing.T, fake *googlefake.Server, redirect string) *oauth2.Token {
	t.Helper()
	verifier := oauth2.GenerateVerifier()
	code := fake.IssueCode(googlefake.AuthRequest{
		ClientID: "cid", RedirectURI: redirect, Scopes: googlefake.AllScopes,
		CodeChallenge: oauth2.S256ChallengeFromVerifier(verifier), CodeChallengeMethod: "S256", Offline: true,
	})
	conf := &oauth2.Config{ClientID: "cid", ClientSecret: "csecret", RedirectURL: redirect,
		Endpoint: oauth2.Endpoint{AuthURL: fake.AuthURL(), TokenURL: fake.TokenURL()}}
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, fake.Client())
	tok, err := conf.Exchange(ctx, code, oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatalf("Exchange: %v", err)
	}
	return tok
}
