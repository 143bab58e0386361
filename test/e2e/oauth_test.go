package e2e

import (
	"context"
	"encoding/json"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/mcpgate/mcpgate/pkg/connector/dropbox/dropboxfake"
	"github.com/mcpgate/mcpgate/pkg/connector/fakekit"
	"github.com/mcpgate/mcpgate/pkg/oauth"
	"github.com/mcpgate/mcpgate/pkg/store"
	"github.com/mcpgate/mcpgate/pkg/vault"
)

// browser opens url in headless Chromium, following the provider's
// redirect to the gateway's callback; on the confirmation page it checks
// what the page says it completes and clicks Connect, and returns the
// page it ends on.
func browser(t *testing.T, u string) string {
	t.Helper()
	return browse(t, u, "#connect")
}

// browse opens u and, if click is not "", clicks that element of the
// confirmation page; it returns the HTML of the page it ends on.
func browse(t *testing.T, u, click string) string {
	t.Helper()
	ctx, stop := chromium(t, 60*time.Second)
	defer stop()
	if err := chromedp.Do(ctx, chromedp.Navigate(u), chromedp.WaitReady(chromedp.CSS("body"))); err != nil {
		t.Fatalf("chromium: %v", err)
	}
	page, err := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("html")))
	if err != nil {
		t.Fatalf("chromium: %v", err)
	}
	if click == "" || !strings.Contains(page, `id="connect"`) {
		return page
	}
	err = chromedp.Do(ctx, chromedp.Click(chromedp.CSS(click)), chromedp.WaitNotPresent(chromedp.CSS("form")),
		chromedp.WaitReady(chromedp.CSS("body")))
	if err != nil {
		t.Fatalf("chromium, after clicking %s: %v", click, err)
	}
	if page, err = chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("html"))); err != nil {
		t.Fatalf("chromium, after clicking %s: %v", click, err)
	}
	return page
}

// freePort returns a loopback address no one listens on.
//
// The port is drawn below the kernel's ephemeral range (32768 and up on
// Linux): a port the kernel hands out for ":0" can be taken as the source
// port of any outgoing connection before the process the test starts
// binds it, and with many tests connecting at once that happened.
func freePort(t testing.TB) string {
	t.Helper()
	for range 200 {
		addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(10000+rand.IntN(22000)))
		if ln, err := net.Listen("tcp", addr); err == nil {
			ln.Close()
			return addr
		}
	}
	t.Fatal("no free loopback port between 10000 and 32000")
	return ""
}

const dropboxToken = "sl.u.STATIC-TOKEN-not-used-by-oauth-0000000000"

// startOAuthGateway serves on a known address so public_url can name it,
// with the Dropbox OAuth app pointed at the fake.
func startOAuthGateway(t *testing.T, env ...string) (*gw, *dropboxfake.Server) {
	t.Helper()
	fake := dropboxfake.New(dropboxToken, dropboxfake.WithAccessTokenTTL(time.Hour))
	t.Cleanup(fake.Close)
	addr := freePort(t)
	g := startGateway(t, append(append([]string{},
		"MCPGATE_LISTEN="+addr, "MCPGATE_PUBLIC_URL=http://"+addr,
		"MCPGATE_CONNECTORS_DROPBOX_CLIENT_ID="+fake.ClientID,
		"MCPGATE_CONNECTORS_DROPBOX_CLIENT_SECRET="+fake.ClientSecret,
		"MCPGATE_CONNECTORS_DROPBOX_AUTH_URL="+fake.AuthURL,
		"MCPGATE_CONNECTORS_DROPBOX_TOKEN_URL="+fake.TokenURL,
		"MCPGATE_CONNECTORS_DROPBOX_API_URL="+fake.URL,
	), env...)...)
	return g, fake
}

// connectDropbox runs the flow as `mcpgate connect add dropbox` and a
// person's browser would.
func connectDropbox(t *testing.T, g *gw) (authURL, page string) {
	t.Helper()
	redirect, err := g.App.CallbackURL()
	if err != nil {
		t.Fatal(err)
	}
	p, err := g.App.BeginOAuth(context.Background(), g.Owner, "dropbox", "dropbox", nil, redirect)
	if err != nil {
		t.Fatal(err)
	}
	return p.URL, browser(t, p.URL)
}

func TestOAuthConnectInBrowserThenRefresh(t *testing.T) {
	g, fake := startOAuthGateway(t)
	ctx := context.Background()
	authURL, page := connectDropbox(t, g)
	if !strings.Contains(page, "Connected dropbox as "+dropboxfake.Email) {
		t.Fatalf("callback page: %s", page)
	}
	u, _ := url.Parse(authURL)
	q := u.Query()
	if q.Get("code_challenge_method") != "S256" || len(q.Get("code_challenge")) < 43 || q.Get("token_access_type") != "offline" {
		t.Fatalf("authorization request lacks PKCE S256 or offline access: %s", authURL)
	}
	c, err := g.App.Store.User(g.Owner.ID).Connection(ctx, "dropbox")
	if err != nil || c.AuthKind != "oauth2" || c.Account != dropboxfake.Email || c.ExpiresAt.IsZero() {
		t.Fatalf("stored connection: %+v, %v", c, err)
	}

	s := g.session(t)
	if r := call(t, s, "dropbox_list_folder", map[string]any{"path": ""}); r.IsError {
		t.Fatalf("list_folder: %s", text(r))
	}
	// The token lapses early: concurrent calls refresh it once, and the
	// new token is stored before it is used.
	fake.ExpireAccessTokens()
	var wg sync.WaitGroup
	errs := make(chan string, 50)
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if r := call(t, s, "dropbox_list_folder", map[string]any{"path": ""}); r.IsError {
				errs <- text(r)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Errorf("call after expiry: %s", e)
	}
	if n := fake.Refreshes(); n != 1 {
		t.Errorf("%d refreshes for 50 concurrent calls, want 1", n)
	}
	after, _ := g.App.Store.User(g.Owner.ID).Connection(ctx, "dropbox")
	if string(after.Credential) == string(c.Credential) || !after.UpdatedAt.After(c.UpdatedAt) {
		t.Error("the refreshed token was not persisted")
	}
	// A restart between the refresh and the next use loses nothing: the
	// new gateway uses the stored token without refreshing again.
	g.restart(t)
	s = g.session(t)
	if r := call(t, s, "dropbox_list_folder", map[string]any{"path": ""}); r.IsError {
		t.Fatalf("after a restart: %s", text(r))
	}
	if n := fake.Refreshes(); n != 1 {
		t.Errorf("%d refreshes after a restart, want still 1", n)
	}
	assertTokensNowhere(t, g, page)
}

// assertTokensNowhere opens the stored token set and looks for its access
// and refresh tokens in everything the gateway produced and stored.
func assertTokensNowhere(t *testing.T, g *gw, page string) {
	t.Helper()
	ctx := context.Background()
	c, err := g.App.Store.User(g.Owner.ID).Connection(ctx, "dropbox")
	if err != nil {
		t.Fatal(err)
	}
	cred, err := g.App.Vault.Open(ctx, g.Owner.ID, vault.PurposeCredential, c.ID, c.Credential)
	if err != nil {
		t.Fatal(err)
	}
	var tok struct {
		Access  string `json:"access_token"`
		Refresh string `json:"refresh_token"`
	}
	if err := json.Unmarshal(cred.Bytes(), &tok); err != nil || tok.Access == "" || tok.Refresh == "" {
		t.Fatalf("stored token set: %v", err)
	}
	audit, _ := g.App.Store.User(g.Owner.ID).ListAudit(ctx, store.AuditFilter{})
	auditJSON, _ := json.Marshal(audit)
	places := map[string]string{"logs": g.Logs.String(), "wire": g.Wire.String(), "callback page": page, "audit": string(auditJSON)}
	for name, b := range readDataDir(t, filepath.Dir(g.DBPath), filepath.Base(g.DBPath)) {
		places["data dir file "+name] = b
	}
	for where, content := range places {
		for name, v := range map[string]string{"access": tok.Access, "refresh": tok.Refresh} {
			if strings.Contains(content, v) {
				t.Errorf("the %s token appears in %s", name, where)
			}
		}
	}
}

// TestOAuthTokenEndpointFailureLeavesNothing: the provider answers the
// code exchange with garbage, then a 500; each callback gets a clear error
// page and no connection is made.
func TestOAuthTokenEndpointFailureLeavesNothing(t *testing.T) {
	g, fake := startOAuthGateway(t)
	redirect, _ := g.App.CallbackURL()
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, f := range []fakekit.Failure{fakekit.Garbage, fakekit.ServerError} {
		p, err := g.App.BeginOAuth(context.Background(), g.Owner, "dropbox", "dropbox", nil, redirect)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := noFollow.Get(p.URL)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		// Two: x/oauth2 retries a failed exchange once with the client
		// credentials in the body instead of the header.
		fake.FailNext(f, 2)
		resp, err = http.Get(resp.Header.Get("Location"))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		m := regexp.MustCompile(`name="token" value="([^"]+)"`).FindSubmatch(b)
		if m == nil {
			t.Fatalf("no confirmation form: %d %s", resp.StatusCode, b)
		}
		resp, err = http.PostForm(redirect, url.Values{"token": {string(m[1])}, "decision": {"connect"}})
		if err != nil {
			t.Fatal(err)
		}
		b, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadGateway || !strings.Contains(string(b), "exchange the authorization code with dropbox") {
			t.Fatalf("token endpoint %v: %d %s", f, resp.StatusCode, b)
		}
		if _, err := g.App.Store.User(g.Owner.ID).Connection(context.Background(), "dropbox"); err == nil {
			t.Fatalf("token endpoint %v: a connection was made", f)
		}
	}
}

// TestOAuthForwardedLinkWithoutConfirmationBindsNothing: the
// authorization link reaches someone else, who approves at the provider
// and lands on the confirmation page. The page says which mcpgate user and
// connection it would complete; without the click, nothing is bound.
func TestOAuthForwardedLinkWithoutConfirmationBindsNothing(t *testing.T) {
	g, _ := startOAuthGateway(t)
	redirect, _ := g.App.CallbackURL()
	p, err := g.App.BeginOAuth(context.Background(), g.Owner, "dropbox", "files", nil, redirect)
	if err != nil {
		t.Fatal(err)
	}
	page := browse(t, p.URL, "")
	for _, want := range []string{`<dd id="user">` + g.Owner.Name + `</dd>`, `<dd id="connection">files</dd>`, `<dd id="provider">dropbox</dd>`, `id="connect"`} {
		if !strings.Contains(page, want) {
			t.Errorf("the confirmation page lacks %s:\n%s", want, page)
		}
	}
	if _, err := g.App.Store.User(g.Owner.ID).Connection(context.Background(), "files"); err == nil {
		t.Fatal("a forwarded link bound an account without the confirmation")
	}
	// Cancelling binds nothing either.
	p, err = g.App.BeginOAuth(context.Background(), g.Owner, "dropbox", "files", nil, redirect)
	if err != nil {
		t.Fatal(err)
	}
	if page := browse(t, p.URL, "#cancel"); !strings.Contains(page, "cancelled") {
		t.Fatalf("after Cancel: %s", page)
	}
	if _, err := g.App.Store.User(g.Owner.ID).Connection(context.Background(), "files"); err == nil {
		t.Fatal("a cancelled authorization bound an account")
	}
}

func TestOAuthDeadRefreshTokenAsksForReauth(t *testing.T) {
	g, fake := startOAuthGateway(t)
	ctx := context.Background()
	if _, page := connectDropbox(t, g); !strings.Contains(page, "Connected") {
		t.Fatal(page)
	}
	// Revoking at Dropbox ends the grant: the refresh token dies too.
	c, _ := g.App.Store.User(g.Owner.ID).Connection(ctx, "dropbox")
	if revokeErr, err := g.App.RemoveConnection(ctx, g.Owner, "dropbox", false); err != nil || revokeErr != nil {
		t.Fatalf("remove: %v / revoke: %v", err, revokeErr)
	}
	// Put the revoked credential back, as if revoked from Dropbox's side.
	if err := g.App.Store.User(g.Owner.ID).CreateConnection(ctx, c); err != nil {
		t.Fatal(err)
	}
	fake.ExpireAccessTokens()
	s := g.session(t)
	r := call(t, s, "dropbox_list_folder", map[string]any{"path": ""})
	if !r.IsError || !strings.Contains(text(r), "mcpgate connect add dropbox --name dropbox") {
		t.Fatalf("with a dead refresh token: %q", text(r))
	}
	after, _ := g.App.Store.User(g.Owner.ID).Connection(ctx, "dropbox")
	if after.Status != oauth.StatusNeedsReauth {
		t.Fatalf("status = %q, want %q", after.Status, oauth.StatusNeedsReauth)
	}
	if os.Getenv("MCPGATE_DEBUG") != "" {
		t.Log(g.Logs.String())
	}
}
