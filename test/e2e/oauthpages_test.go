package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/mcpgate/mcpgate/test/parts"
)

// TestOAuthPagesInChromium signs in with the CLI-approval path in headless
// Chromium: the page shows a code, waits, continues by itself once the
// code is approved, and the consent form sends the browser back to the
// client with the code and iss.
func TestOAuthPagesInChromium(t *testing.T) {
	bin := ""
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			bin = p
			break
		}
	}
	if bin == "" {
		parts.Missing(t, parts.Chromium, "apt-get install -y chromium")
	}
	g, issuer := startAuthServerGateway(t)
	landed := make(chan url.Values, 1)
	cb := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case landed <- r.URL.Query():
		default:
		}
		w.Write([]byte("<html><body>back at the client</body></html>"))
	}))
	defer cb.Close()
	redirect := cb.URL + "/callback"
	resp, err := http.Post(issuer+"/oauth/register", "application/json",
		strings.NewReader(`{"client_name":"Browser Client","redirect_uris":["`+redirect+`"]}`))
	if err != nil {
		t.Fatal(err)
	}
	var reg struct {
		ClientID string `json:"client_id"`
	}
	json.NewDecoder(resp.Body).Decode(&reg)
	resp.Body.Close()
	p := newPKCE("z")
	authURL := issuer + "/oauth/authorize?" + url.Values{
		"response_type": {"code"}, "client_id": {reg.ClientID}, "redirect_uri": {redirect}, "code_challenge": {p.challenge},
		"code_challenge_method": {"S256"}, "resource": {issuer + "/mcp"}, "state": {"chromium"},
	}.Encode()

	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(bin), chromedp.NoSandbox,
		chromedp.DisableGPU, chromedp.UserDataDir(t.TempDir()), chromedp.Flag("disable-quic", true))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancelT := context.WithTimeout(ctx, 60*time.Second)
	defer cancelT()
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
		tok := tokenRequest(t, issuer, url.Values{"grant_type": {"authorization_code"}, "client_id": {reg.ClientID},
			"code": {q.Get("code")}, "redirect_uri": {redirect}, "code_verifier": {p.verifier}, "resource": {issuer + "/mcp"}})
		if tok.Status != http.StatusOK {
			t.Fatalf("exchange: %+v", tok)
		}
	case <-time.After(15 * time.Second):
		page, _ = chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("html")))
		t.Fatalf("the browser never came back to the client; it shows:\n%s", page)
	}
}
