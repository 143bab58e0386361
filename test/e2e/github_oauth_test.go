package e2e

import (
	"context"
	"strings"
	"testing"

	"github.com/mcpgate/mcpgate/pkg/config"
	"github.com/mcpgate/mcpgate/pkg/connector/github/githubfake"
)

// TestGitHubOAuthApp connects GitHub through its OAuth app flow in the
// browser (beside the personal-access-token path the other tests use),
// calls a tool with the token, and revokes it at GitHub on removal.
func TestGitHubOAuthApp(t *testing.T) {
	addr := freePort(t)
	g := startGateway(t, "MCPGATE_LISTEN="+addr, "MCPGATE_PUBLIC_URL=http://"+addr)
	g.Config.Connectors["github"] = config.Connector{
		APIURL: g.GH.URL, ClientID: githubfake.ClientID, ClientSecret: githubfake.ClientSecret,
		AuthURL: g.GH.AuthURL(), TokenURL: g.GH.TokenURL(),
	}
	ctx := context.Background()
	redirect, err := g.App.CallbackURL()
	if err != nil {
		t.Fatal(err)
	}
	p, err := g.App.BeginOAuth(ctx, g.Owner, "github", "ghapp", nil, redirect)
	if err != nil {
		t.Fatal(err)
	}
	if page := browser(t, p.URL); !strings.Contains(page, "Connected github as "+githubfake.Login) {
		t.Fatalf("callback page: %s", page)
	}
	c, err := g.App.Store.User(g.Owner.ID).Connection(ctx, "ghapp")
	if err != nil || c.AuthKind != "oauth2" {
		t.Fatalf("connection: %+v, %v", c, err)
	}
	s := g.session(t)
	if r := call(t, s, "ghapp_get_repo", helloRepo); r.IsError {
		t.Fatalf("ghapp_get_repo: %s", text(r))
	}
	if revokeErr, err := g.App.RemoveConnection(ctx, g.Owner, "ghapp", false); err != nil || revokeErr != nil {
		t.Fatalf("remove: %v, revoke: %v", err, revokeErr)
	}
	if !g.GH.Revoked() {
		t.Fatal("removing the connection did not revoke the token at GitHub")
	}
}
