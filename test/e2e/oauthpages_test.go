package e2e

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestOAuthPagesInChromium signs in with the CLI-approval path in headless
// Chromium: the page shows a code, waits, continues by itself once the
// code is approved, and the consent form sends the browser back to the
// client with the code and iss.
func TestOAuthPagesInChromium(t *testing.T) {
	chromiumPath(t)
	g, issuer := startAuthServerGateway(t)
	c := registerBrowserClient(t, issuer, "Browser Client", "chromium", "z")
	landed, redirect, p, authURL := c.landed, c.redirect, c.pkce, c.authURL

	ctx, stop := chromium(t, 60*time.Second)
	defer stop()
	if err := chromedp.Do(ctx, chromedp.Navigate(authURL), chromedp.WaitReady(chromedp.CSS("code.approve"))); err != nil {
		t.Fatalf("chromium, the approval page: %v", err)
	}
	page, err := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("html")))
	if err != nil {
		t.Fatal(err)
	}
	m := approvalRE.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no approval code in the page:\n%s", page)
	}
	if _, _, err := g.App.ApproveOAuth(context.Background(), g.Owner, m[1]); err != nil {
		t.Fatal(err)
	}
	// The page reloads itself and shows the consent form.
	if err := chromedp.Do(ctx, chromedp.WaitReady(chromedp.CSS(`button[value="allow"]`))); err != nil {
		t.Fatalf("chromium, the consent page: %v", err)
	}
	page, _ = chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("html")))
	if !strings.Contains(page, "Browser Client") || !strings.Contains(page, "registered itself") {
		t.Errorf("the consent page does not name the client or warn:\n%s", page)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`button[value="allow"]`))); err != nil {
		t.Fatalf("chromium, allow: %v", err)
	}
	select {
	case q := <-landed:
		if q.Get("iss") != issuer || q.Get("state") != "chromium" || !strings.HasPrefix(q.Get("code"), "mgo_ac_") {
			t.Fatalf("the client got %v", q)
		}
		tok := tokenRequest(t, issuer, url.Values{"grant_type": {"authorization_code"}, "client_id": {c.id},
			"code": {q.Get("code")}, "redirect_uri": {redirect}, "code_verifier": {p.verifier}, "resource": {issuer + "/mcp"}})
		if tok.Status != http.StatusOK {
			t.Fatalf("exchange: %+v", tok)
		}
	case <-time.After(15 * time.Second):
		page, _ = chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("html")))
		t.Fatalf("the browser never came back to the client; it shows:\n%s", page)
	}
}
