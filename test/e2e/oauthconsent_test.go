package e2e

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/mcpgate/mcpgate/pkg/gateway"
	"github.com/mcpgate/mcpgate/pkg/mcpup"
	"github.com/mcpgate/mcpgate/pkg/store"
)

// TestOAuthConsentChoosesConnectionsInChromium: in headless Chromium the
// person chooses "only these" connections and ticks the MCP connection
// alone. The token then lists and calls that connection's tools on /mcp,
// while the built-in GitHub connection's tools are not listed, a call to
// one is refused (audited as outside the grant's scope) and never reaches
// GitHub; /mcp/<connection> is refused too.
func TestOAuthConsentChoosesConnectionsInChromium(t *testing.T) {
	chromiumPath(t)
	g, issuer := startAuthServerGateway(t)
	ctx := context.Background()
	if _, _, err := g.App.AddMCPConnection(ctx, g.Owner, "fake", mcpup.Config{Command: goBinary(t, "github.com/mcpgate/mcpgate/test/mcpfake")}, mcpup.Secrets{}); err != nil {
		t.Fatal(err)
	}
	c := registerBrowserClient(t, issuer, "Chooser", "choose", "c")
	landed, redirect, p, authURL := c.landed, c.redirect, c.pkce, c.authURL

	bctx, stop := chromium(t, 60*time.Second)
	defer stop()
	if err := chromedp.Do(bctx, chromedp.Navigate(authURL), chromedp.WaitReady(chromedp.CSS("code.approve"))); err != nil {
		t.Fatalf("chromium, the approval page: %v", err)
	}
	page, err := chromedp.Run(bctx, chromedp.OuterHTML(chromedp.CSS("html")))
	if err != nil {
		t.Fatal(err)
	}
	m := approvalRE.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no approval code in the page:\n%s", page)
	}
	if _, _, err := g.App.ApproveOAuth(ctx, g.Owner, m[1]); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(bctx, chromedp.WaitReady(chromedp.CSS(`input[name="connection"][value="fake"]`))); err != nil {
		t.Fatalf("chromium, the consent page's connections: %v", err)
	}
	page, _ = chromedp.Run(bctx, chromedp.OuterHTML(chromedp.CSS("html")))
	for _, want := range []string{"Chooser", "registered itself", redirect, `value="github"`, `value="fake"`, "(mcp)", "(github)"} {
		if !strings.Contains(page, want) {
			t.Errorf("the consent page lacks %q:\n%s", want, page)
		}
	}
	if err := chromedp.Do(bctx,
		chromedp.Click(chromedp.CSS(`input[name="connections"][value="chosen"]`)),
		chromedp.Click(chromedp.CSS(`input[name="connection"][value="fake"]`)),
		chromedp.Click(chromedp.CSS(`button[value="allow"]`))); err != nil {
		t.Fatalf("chromium, choose and allow: %v", err)
	}
	var q url.Values
	select {
	case q = <-landed:
	case <-time.After(15 * time.Second):
		page, _ = chromedp.Run(bctx, chromedp.OuterHTML(chromedp.CSS("html")))
		t.Fatalf("the browser never came back to the client; it shows:\n%s", page)
	}
	tok := tokenRequest(t, issuer, url.Values{"grant_type": {"authorization_code"}, "client_id": {c.id},
		"code": {q.Get("code")}, "redirect_uri": {redirect}, "code_verifier": {p.verifier}, "resource": {issuer + "/mcp"}})
	if tok.Status != http.StatusOK {
		t.Fatalf("exchange: %+v", tok)
	}

	s, err := connectWith(t, g.URL, tok.Access)
	if err != nil {
		t.Fatalf("connect with the access token: %v", err)
	}
	defer s.Close()
	tools := toolNames(t, s)
	if tools["fake_env_names"] == nil {
		t.Errorf("the chosen connection's tools are not listed: %v", keysOf(tools))
	}
	for name := range tools {
		if strings.HasPrefix(name, "github_") {
			t.Errorf("a tool of a connection not chosen is listed: %s", name)
		}
	}
	if res := call(t, s, "fake_env_names", nil); res.IsError {
		t.Errorf("the chosen connection's tool was refused: %s", text(res))
	}
	before := g.GH.Requests()
	res, err := s.CallTool(ctx, toolParams("github_list_issues", map[string]any{"owner": "octocat", "repo": "hello-world"}))
	if err == nil && !res.IsError {
		t.Errorf("a tool of a connection not chosen ran: %s", text(res))
	}
	if g.GH.Requests() != before {
		t.Error("a call to a connection not chosen reached GitHub")
	}
	grant := grantKeyOf(t, g, c.id)
	if strings.Join(grant.Scope, ",") != "fake" {
		t.Errorf("the grant's scope is %v, want [fake]", grant.Scope)
	}
	recs, err := g.App.Store.User(g.Owner.ID).ListAudit(ctx, store.AuditFilter{KeyID: grant.ID})
	if err != nil {
		t.Fatal(err)
	}
	refused := false
	for _, r := range recs {
		refused = refused || (r.Tool == "github_list_issues" && r.Rule == gateway.RuleOutsideKeyScope)
	}
	if !refused {
		t.Errorf("the refused call is not audited as %s: %+v", gateway.RuleOutsideKeyScope, recs)
	}
	for _, conn := range []string{"fake", "github"} {
		if resp := post(t, g.URL+"/"+conn, "Bearer "+tok.Access, nil); resp.StatusCode == http.StatusOK {
			t.Errorf("/mcp/%s answered the /mcp grant's token: %d", conn, resp.StatusCode)
		}
	}
}

// TestOAuthConsentRefusesAForgedForm: a consent form carrying a connection
// the user does not have, or a field or value the page does not offer, is
// refused with a page that says so and issues nothing; the sign-in stays
// open, and the form the page offers then completes it, with the
// connections ticked and nothing else.
func TestOAuthConsentRefusesAForgedForm(t *testing.T) {
	g, issuer := startAuthServerGateway(t)
	clientID := registerClient(t, issuer)
	p := newPKCE("f")
	b := newUserAgent(t)
	_, page := b.get(t, authorizeURL(issuer, clientID, issuer+"/mcp", p))
	m := approvalRE.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no approval code:\n%s", page)
	}
	if _, _, err := g.App.ApproveOAuth(context.Background(), g.Owner, m[1]); err != nil {
		t.Fatal(err)
	}
	_, page = b.get(t, issuer+"/oauth/continue")
	c := csrfRE.FindStringSubmatch(page)
	if c == nil || !strings.Contains(page, `name="connection" value="github"`) {
		t.Fatalf("the consent page does not offer the user's connection:\n%s", page)
	}
	forged := map[string]struct {
		form url.Values
		want string
	}{
		"a connection the user lacks":    {url.Values{"connections": {"chosen"}, "connection": {"github", "slack"}}, `a connection you do not have (&#34;slack&#34;)`},
		"the same connection twice":      {url.Values{"connections": {"chosen"}, "connection": {"github", "github"}}, "twice"},
		"chosen but none ticked":         {url.Values{"connections": {"chosen"}}, "ticked none"},
		"all with connections ticked":    {url.Values{"connections": {"all"}, "connection": {"github"}}, "ticked connections"},
		"no choice of connections":       {url.Values{}, "neither all connections nor some"},
		"a choice the page lacks":        {url.Values{"connections": {"everything"}}, "neither all connections nor some"},
		"a tampered read-only value":     {url.Values{"connections": {"all"}, "read_only": {"off"}}, "read-only choice"},
		"a field the page does not send": {url.Values{"connections": {"all"}, "policy": {"version: 1"}}, "(policy)"},
		"a tampered decision":            {url.Values{"connections": {"all"}, "decision": {"yes"}}, "neither allow nor deny"},
		"a decision sent twice":          {url.Values{"connections": {"all"}, "decision": {"allow", "deny"}}, "(decision)"},
	}
	for name, f := range forged {
		form := f.form
		if form.Get("decision") == "" {
			form.Set("decision", "allow")
		}
		form.Set("csrf", c[1])
		resp, err := b.PostForm(issuer+"/oauth/consent", form)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), f.want) || !strings.Contains(string(body), "Nothing was granted") {
			t.Errorf("%s: %d, want 400 saying %q:\n%s", name, resp.StatusCode, f.want, body)
		}
		if b.landed != nil {
			t.Fatalf("%s: the browser was sent back to the client: %v", name, b.landed)
		}
	}
	if grants, _ := g.App.OAuthGrants(context.Background(), g.Owner); len(grants) != 0 {
		t.Fatalf("a forged consent issued a grant: %v", grants)
	}
	// The form as the page offers it still completes the sign-in.
	resp, err := b.PostForm(issuer+"/oauth/consent", url.Values{"csrf": {c[1]}, "decision": {"allow"}, "connections": {"chosen"}, "connection": {"github"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if b.landed == nil || b.landed.Query().Get("code") == "" {
		t.Fatalf("the offered form did not complete the sign-in: %d", resp.StatusCode)
	}
	tok := exchange(t, issuer, clientID, b.landed.Query().Get("code"), issuer+"/mcp", p)
	if tok.Status != http.StatusOK {
		t.Fatalf("exchange: %+v", tok)
	}
	if k := grantKeyOf(t, g, clientID); strings.Join(k.Scope, ",") != "github" {
		t.Errorf("the grant's scope is %v, want [github]", k.Scope)
	}
}

// grantKeyOf returns the app key of the client's grant.
func grantKeyOf(t *testing.T, g *gw, clientID string) store.APIKey {
	t.Helper()
	keys, err := g.App.APIKeys(context.Background(), g.Owner)
	if err != nil {
		t.Fatal(err)
	}
	grants, _ := g.App.OAuthGrants(context.Background(), g.Owner)
	for _, k := range keys {
		if gr, ok := grants[k.ID]; ok && gr.ClientID == clientID {
			return k
		}
	}
	t.Fatalf("no grant key for client %s", clientID)
	return store.APIKey{}
}

func keysOf[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
