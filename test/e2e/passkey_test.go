package e2e

import (
	"context"
	"database/sql"
	"encoding/json"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"
)

// passkeyRig is a gateway whose public_url is http://localhost:PORT (a
// secure context for WebAuthn, and a name an RP ID may be), the real
// binary for the admin commands, and headless Chromium with a virtual
// platform authenticator.
type passkeyRig struct {
	g      *gw
	issuer string
	bin    string
	env    []string
	ctx    context.Context
	ran    map[string]bool // the commands run, as readmeIDs writes them
}

// env adds MCPGATE_* settings to the gateway's.
func newPasskeyRig(t *testing.T, env ...string) *passkeyRig {
	chromiumPath(t)
	addr := freePort(t)
	_, port, _ := net.SplitHostPort(addr)
	issuer := "http://localhost:" + port
	r := &passkeyRig{issuer: issuer, bin: mcpgateBinary(t), ran: map[string]bool{}}
	r.g = startGateway(t, append([]string{"MCPGATE_LISTEN=" + addr, "MCPGATE_PUBLIC_URL=" + issuer, "MCPGATE_OAUTH_SERVER_ENABLED=true"}, env...)...)
	r.env = append(os.Environ(), "MCPGATE_DATA_DIR="+r.g.Config.DataDir, "MCPGATE_PUBLIC_URL="+issuer,
		"MCPGATE_OAUTH_SERVER_ENABLED=true")

	ctx, stop := chromium(t, 4*time.Minute)
	t.Cleanup(stop)
	r.ctx = ctx
	err := chromedp.Do(ctx, chromedp.Navigate(issuer+"/oauth/session"), func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		if _, err := cdp.Call(ctx, tg, webauthn.Enable, webauthn.EnableParams{}); err != nil {
			return chromedp.Void{}, err
		}
		_, err := cdp.Call(ctx, tg, webauthn.AddVirtualAuthenticator, webauthn.AddVirtualAuthenticatorParams{
			Options: &webauthn.VirtualAuthenticatorOptions{
				Protocol: webauthn.AuthenticatorProtocolCtap2, Ctap2version: webauthn.Ctap2versionCtap21,
				Transport: webauthn.AuthenticatorTransportInternal, HasResidentKey: true, HasUserVerification: true,
				IsUserVerified: true, AutomaticPresenceSimulation: true,
			},
		})
		return chromedp.Void{}, err
	})
	if err != nil {
		t.Fatalf("chromium with a virtual authenticator: %v", err)
	}
	return r
}

// cli runs the real binary's admin command against the gateway's data.
func (r *passkeyRig) cli(t *testing.T, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	r.ran[readmeIDs(strings.Join(args, " "))] = true
	cmd := exec.CommandContext(ctx, r.bin, args...)
	cmd.Env = r.env
	var stderr syncBuffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("mcpgate %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return string(out)
}

var (
	passkeyIDRE = regexp.MustCompile(`\bpk_[0-9a-f]+`)
	sessionIDRE = regexp.MustCompile(`\bs_[0-9a-f]+`)
)

// readmeIDs writes the ids of cmd as README.md's examples stand for them,
// and drops --yes, which a person at a terminal answers instead.
func readmeIDs(cmd string) string {
	cmd = strings.ReplaceAll(cmd, " --yes", "")
	return sessionIDRE.ReplaceAllString(passkeyIDRE.ReplaceAllString(cmd, "pk_ID"), "s_ID")
}

// readmePasskeyExamples are the commands of README.md's "Passkeys and
// browser sessions" example.
func readmePasskeyExamples(t *testing.T) []string {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, sec, ok := strings.Cut(string(readme), "### Passkeys and browser sessions\n")
	if !ok {
		t.Fatal("README.md has no section \"Passkeys and browser sessions\"")
	}
	_, block, _ := strings.Cut(sec, "```sh\n")
	block, _, _ = strings.Cut(block, "```")
	var out []string
	for _, line := range strings.Split(block, "\n") {
		line, _, _ = strings.Cut(line, "#")
		if cmd, ok := strings.CutPrefix(strings.TrimSpace(line), "mcpgate "); ok {
			out = append(out, readmeIDs(cmd))
		}
	}
	return out
}

var linkRE = regexp.MustCompile(`http://localhost:\d+/oauth/passkey/enrol#u_[0-9a-f]+\.mgp_e_[A-Za-z0-9_-]{43}`)

func (r *passkeyRig) newLink(t *testing.T) string {
	t.Helper()
	out := r.cli(t, "user", "passkey", "add")
	link := linkRE.FindString(out)
	if link == "" || !strings.HasPrefix(link, r.issuer+"/") {
		t.Fatalf("`mcpgate user passkey add` printed no link under %s:\n%s", r.issuer, out)
	}
	return link
}

// statusAfter clicks the button and returns the page's status line once
// the ceremony has ended (the line no longer says it is waiting), or
// "navigated to PATH" when the page went on to another (a sign-in that
// succeeded).
func (r *passkeyRig) statusAfter(t *testing.T, button string) string {
	t.Helper()
	if err := chromedp.Do(r.step(), chromedp.WaitVisible(chromedp.CSS(button))); err != nil {
		t.Fatalf("no %s on the page: %v", button, err)
	}
	start, err := chromedp.Run(r.ctx, chromedp.Evaluate[string]("location.pathname"))
	if err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(r.step(), chromedp.Click(chromedp.CSS(button))); err != nil {
		t.Fatalf("click %s: %v", button, err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		got, err := chromedp.Run(r.ctx, chromedp.Evaluate[string](`(() => { const e = document.getElementById("status");
			return location.pathname + "|" + (e ? e.textContent : ""); })()`))
		if err == nil {
			path, status, _ := strings.Cut(got, "|")
			if path != start {
				return "navigated to " + path
			}
			if status != "" && !strings.HasPrefix(status, "Waiting") && status != "Signed in." {
				return status
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("the page's status after %s never settled:\n%s", button, r.page(t))
	return ""
}

// step is the browser's context for one step: a page that never shows
// what the step waits for fails that step, not the whole test.
func (r *passkeyRig) step() context.Context {
	ctx, cancel := context.WithTimeout(r.ctx, 20*time.Second)
	_ = cancel // ends with r.ctx
	return ctx
}

func (r *passkeyRig) open(t *testing.T, u string) {
	t.Helper()
	if err := chromedp.Do(r.ctx, chromedp.Navigate("about:blank"), chromedp.Navigate(u)); err != nil {
		t.Fatalf("open %s: %v", u, err)
	}
}

func (r *passkeyRig) page(t *testing.T) string {
	t.Helper()
	var err error
	for range 50 { // a page that is still going on to the next one
		var page string
		if page, err = chromedp.Run(r.ctx, chromedp.Evaluate[string]("document.documentElement.outerHTML")); err == nil {
			return page
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatal(err)
	return ""
}

// TestPasskeySignInInChromium enrols a passkey through the link the
// binary prints, signs in with it on the authorization page, consents,
// and the client's token calls a tool; then the refusals: a spent or
// expired link, a forged challenge, a revoked session, a removed passkey.
func TestPasskeySignInInChromium(t *testing.T) {
	r := newPasskeyRig(t)
	g, issuer := r.g, r.issuer
	var secrets []string

	// Enrol with the printed link, once.
	link := r.newLink(t)
	secrets = append(secrets, link[strings.Index(link, "#")+1:])
	r.open(t, link)
	if got := r.statusAfter(t, "#enrol"); !strings.Contains(got, "Your passkey is registered") {
		t.Fatalf("enrolment: the page says %q", got)
	}
	list := r.cli(t, "user", "passkey", "list", "--output", "json")
	var keys []struct {
		ID         string   `json:"id"`
		Transports []string `json:"transports"`
	}
	if err := json.Unmarshal([]byte(list), &keys); err != nil || len(keys) != 1 || !strings.HasPrefix(keys[0].ID, "pk_") {
		t.Fatalf("`user passkey list` after enrolment: %v\n%s", err, list)
	}
	t.Run("an enrolment link works once", func(t *testing.T) {
		r.open(t, link)
		if got := r.statusAfter(t, "#enrol"); !strings.Contains(got, "already used or has expired") {
			t.Errorf("a spent link: the page says %q", got)
		}
	})
	t.Run("an expired enrolment link is refused", func(t *testing.T) {
		old := r.newLink(t)
		secrets = append(secrets, old[strings.Index(old, "#")+1:])
		db, err := sql.Open("sqlite", "file:"+g.DBPath+"?_pragma=busy_timeout(5000)")
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if _, err := db.Exec("UPDATE passkey_enrolments SET expires_at = 1 WHERE used_at = 0"); err != nil {
			t.Fatal(err)
		}
		r.open(t, old)
		if got := r.statusAfter(t, "#enrol"); !strings.Contains(got, "already used or has expired") {
			t.Errorf("an expired link: the page says %q", got)
		}
	})

	// A client's authorization: sign in with the passkey, consent, token, tool.
	c := registerBrowserClient(t, issuer, "Passkey Client", "pk", "pk1")
	authorize := func(p pkce) string { return c.authorize("pk", p) }
	consent := func(t *testing.T, p pkce) string {
		t.Helper()
		if err := chromedp.Do(r.step(), chromedp.WaitVisible(chromedp.CSS(`button[value="allow"]`)), chromedp.Click(chromedp.CSS(`button[value="allow"]`))); err != nil {
			t.Fatalf("consent: %v\n%s", err, r.page(t))
		}
		select {
		case q := <-c.landed:
			tok := tokenRequest(t, issuer, url.Values{"grant_type": {"authorization_code"}, "client_id": {c.id},
				"code": {q.Get("code")}, "redirect_uri": {c.redirect}, "code_verifier": {p.verifier}, "resource": {issuer + "/mcp"}})
			if tok.Status != http.StatusOK || !strings.HasPrefix(tok.Access, "mgo_at_") {
				t.Fatalf("exchange: %+v", tok)
			}
			return tok.Access
		case <-time.After(20 * time.Second):
			t.Fatalf("the browser never came back to the client:\n%s", r.page(t))
		}
		return ""
	}

	p := newPKCE("pk1")
	r.open(t, authorize(p))
	if err := chromedp.Do(r.step(), chromedp.WaitVisible(chromedp.CSS("a#passkey")), chromedp.Click(chromedp.CSS("a#passkey"))); err != nil {
		t.Fatalf("the authorization page offers no passkey sign-in: %v\n%s", err, r.page(t))
	}
	if got := r.statusAfter(t, "#signin"); got != "navigated to /oauth/continue" {
		t.Fatalf("passkey sign-in: the page says %q", got)
	}
	access := consent(t, p)
	secrets = append(secrets, access)
	// While signed in: the session's token, like the link's, is in the
	// database only as a hash.
	if where := dumpSQLite(t, g.DBPath).find("mgs_", "mgp_e_", access); len(where) > 0 {
		t.Errorf("the database holds a session, link or token secret in clear, in %v", where)
	}
	s, err := connectWith(t, g.URL, access)
	if err != nil {
		t.Fatalf("connect with the access token: %v", err)
	}
	if res := call(t, s, "github_list_issues", map[string]any{"owner": "octocat", "repo": "hello-world"}); res.IsError {
		t.Fatalf("the tool call failed: %s", text(res))
	}
	s.Close()
	if out := r.cli(t, "user", "passkey", "list"); !strings.Contains(out, keys[0].ID) {
		t.Errorf("passkey list: %s", out)
	}

	t.Run("a signed-in browser skips the sign-in step but still consents", func(t *testing.T) {
		p := newPKCE("pk2")
		r.open(t, authorize(p))
		if strings.Contains(r.page(t), `id="passkey"`) {
			t.Fatalf("a signed-in browser was asked to sign in again:\n%s", r.page(t))
		}
		secrets = append(secrets, consent(t, p))
	})

	t.Run("a forged challenge is refused", func(t *testing.T) {
		r.open(t, issuer+"/oauth/passkey/signin")
		got, err := chromedp.Run(r.ctx, chromedp.Evaluate[string](forgedChallengeJS, chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(got, "401 ") {
			t.Errorf("an assertion over another challenge: %s, want 401", got)
		}
	})

	t.Run("a revoked session is refused on its next request", func(t *testing.T) {
		sessions := r.cli(t, "user", "session", "list", "--output", "json")
		var ss []struct {
			ID string `json:"id"`
		}
		if err := json.Unmarshal([]byte(sessions), &ss); err != nil || len(ss) != 1 {
			t.Fatalf("session list: %v\n%s", err, sessions)
		}
		r.open(t, issuer+"/oauth/session")
		if !strings.Contains(r.page(t), "is signed in") {
			t.Fatalf("before revocation the browser is not signed in:\n%s", r.page(t))
		}
		if out := r.cli(t, "user", "session", "revoke", ss[0].ID); !strings.Contains(out, "revoked session "+ss[0].ID) {
			t.Errorf("revoke: %s", out)
		}
		r.open(t, issuer+"/oauth/session")
		if !strings.Contains(r.page(t), "not signed in") {
			t.Errorf("a revoked session still signs the browser in:\n%s", r.page(t))
		}
		r.open(t, authorize(newPKCE("pk3")))
		if err := chromedp.Do(r.step(), chromedp.WaitVisible(chromedp.CSS("a#passkey"))); err != nil || strings.Contains(r.page(t), `value="allow"`) {
			t.Errorf("after revocation the authorization skipped the sign-in: %v\n%s", err, r.page(t))
		}

		r.open(t, issuer+"/oauth/passkey/signin")
		if got := r.statusAfter(t, "#signin"); !strings.HasPrefix(got, "navigated to ") {
			t.Fatalf("sign-in again: %q", got)
		}
		if out := r.cli(t, "user", "session", "list"); !sessionIDRE.MatchString(out) {
			t.Errorf("session list after signing in again: %s", out)
		}
		if out := r.cli(t, "user", "session", "revoke", "--all"); !strings.Contains(out, "revoked 1 session(s)") {
			t.Errorf("revoke --all: %s", out)
		}
		r.open(t, issuer+"/oauth/session")
		if !strings.Contains(r.page(t), "not signed in") {
			t.Errorf("`session revoke --all` left the browser signed in:\n%s", r.page(t))
		}
	})

	t.Run("a removed passkey can no longer sign in", func(t *testing.T) {
		r.open(t, issuer+"/oauth/passkey/signin")
		if got := r.statusAfter(t, "#signin"); !strings.HasPrefix(got, "navigated to ") {
			t.Fatalf("sign-in before removal: %q", got)
		}
		if out := r.cli(t, "user", "passkey", "remove", keys[0].ID, "--yes"); !strings.Contains(out, "removed passkey") {
			t.Errorf("remove: %s", out)
		}
		r.open(t, issuer+"/oauth/session")
		if !strings.Contains(r.page(t), "not signed in") {
			t.Errorf("the session of a removed passkey still signs the browser in")
		}
		r.open(t, issuer+"/oauth/passkey/signin")
		if got := r.statusAfter(t, "#signin"); !strings.Contains(got, "refused") {
			t.Errorf("a removed passkey signed in: the page says %q", got)
		}
	})

	for _, cmd := range readmePasskeyExamples(t) {
		if !r.ran[cmd] {
			t.Errorf("README example not run by this test: mcpgate %s", cmd)
		}
	}

	// No link, session or token secret in the log or the database.
	logs := g.Logs.String()
	for _, sec := range append(secrets, "mgs_", "mgp_e_", "mgo_at_") {
		if strings.Contains(logs, sec) {
			t.Errorf("serve's log holds a secret (%.12s…)", sec)
		}
	}
	if where := dumpSQLite(t, g.DBPath).find(append(secrets, "mgs_", "mgp_e_")...); len(where) > 0 {
		t.Errorf("the database holds a link or session secret in clear, in %v", where)
	}
}

// forgedChallengeJS asks for a sign-in, has the authenticator sign a
// challenge of its own instead of the server's, and posts the answer.
const forgedChallengeJS = `(async () => {
  const b64 = (buf) => btoa(String.fromCharCode(...new Uint8Array(buf))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  const r = await fetch("/oauth/passkey/signin/begin", {method: "POST", headers: {"Content-Type": "application/json"}, body: "{}"});
  const o = (await r.json()).publicKey;
  o.challenge = crypto.getRandomValues(new Uint8Array(32)).buffer;
  const c = await navigator.credentials.get({publicKey: o});
  const f = await fetch("/oauth/passkey/signin/finish", {method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify({
    id: c.id, rawId: b64(c.rawId), type: c.type, clientExtensionResults: {},
    response: {clientDataJSON: b64(c.response.clientDataJSON), authenticatorData: b64(c.response.authenticatorData),
      signature: b64(c.response.signature), userHandle: b64(c.response.userHandle)}})});
  return f.status + " " + await f.text();
})()`
