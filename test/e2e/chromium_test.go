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

// chromiumPath is headless Chromium's binary, or the test skips with one
// line saying how to install it.
func chromiumPath(t *testing.T) string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	parts.Missing(t, parts.Chromium, "apt-get install -y chromium")
	return ""
}

// chromium starts a headless Chromium with an empty profile for one
// browser flow, bounded by timeout; stop ends it.
func chromium(t *testing.T, timeout time.Duration) (ctx context.Context, stop func()) {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chromiumPath(t)), chromedp.NoSandbox,
		chromedp.DisableGPU, chromedp.UserDataDir(t.TempDir()), chromedp.Flag("disable-quic", true))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	bctx, cancel := chromedp.NewContext(actx)
	ctx, cancelT := context.WithTimeout(bctx, timeout)
	return ctx, func() { cancelT(); cancel(); cancelAlloc() }
}

// browserClient is an OAuth client registered with the authorization
// server by DCR, whose redirect lands on a server of the test's.
type browserClient struct {
	issuer, id, redirect, authURL string
	pkce                          pkce
	landed                        chan url.Values // the query the browser brought back
}

// registerBrowserClient registers a client called name and builds its
// authorization URL for /mcp, with state and a PKCE challenge from seed.
func registerBrowserClient(t *testing.T, issuer, name, state, seed string) *browserClient {
	t.Helper()
	c := &browserClient{issuer: issuer, landed: make(chan url.Values, 1), pkce: newPKCE(seed)}
	cb := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/callback" { // not the browser's favicon request
			select {
			case c.landed <- r.URL.Query():
			default:
			}
		}
		w.Write([]byte("<html><body>back at the client</body></html>"))
	}))
	t.Cleanup(cb.Close)
	c.redirect = cb.URL + "/callback"
	resp, err := http.Post(issuer+"/oauth/register", "application/json",
		strings.NewReader(`{"client_name":"`+name+`","redirect_uris":["`+c.redirect+`"]}`))
	if err != nil {
		t.Fatal(err)
	}
	var reg struct {
		ClientID string `json:"client_id"`
	}
	json.NewDecoder(resp.Body).Decode(&reg)
	resp.Body.Close()
	c.id = reg.ClientID
	c.authURL = c.authorize(state, c.pkce)
	return c
}

// authorize is the client's authorization URL for /mcp with state and
// p's challenge.
func (c *browserClient) authorize(state string, p pkce) string {
	return c.issuer + "/oauth/authorize?" + url.Values{
		"response_type": {"code"}, "client_id": {c.id}, "redirect_uri": {c.redirect}, "code_challenge": {p.challenge},
		"code_challenge_method": {"S256"}, "resource": {c.issuer + "/mcp"}, "state": {state},
	}.Encode()
}
