package e2e

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/mcpgate/mcpgate/pkg/oauth"
	"github.com/mcpgate/mcpgate/pkg/store/postgres/pgtest"
)

// TestOAuthRefusedCallbackChangesNothing sends the callback a forged
// state, a declined consent, a replayed state and a wrong code, on both
// databases. Each gets an error page, and every row of every table is
// what it was before, but for one: the pending authorization whose state
// the callback was given is used up (deleted), which is what makes the
// replayed state's refusal below hold.
func TestOAuthRefusedCallbackChangesNothing(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		g, _ := startOAuthGateway(t)
		checkRefusedCallbacks(t, g, func() dbRows { return dumpSQLite(t, g.DBPath) })
	})
	t.Run("postgres", func(t *testing.T) {
		d := pgtest.FreshOwnedDB(t)
		g, _ := startOAuthGateway(t, "MCPGATE_DATABASE_URL="+d.ServeURL(), "MCPGATE_DATABASE_ADMIN_URL="+d.OwnerURL)
		checkRefusedCallbacks(t, g, func() dbRows { return dumpPostgres(t, d.SuperURL) })
	})
}

func checkRefusedCallbacks(t *testing.T, g *gw, dump func() dbRows) {
	ctx := context.Background()
	redirect, err := g.App.CallbackURL()
	if err != nil {
		t.Fatal(err)
	}
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	// begin starts an authorization and has the fake provider approve it;
	// it returns the state and the callback URL the provider redirects to.
	begin := func() (state, callback string) {
		p, err := g.App.BeginOAuth(ctx, g.Owner, "dropbox", "dropbox", nil, redirect)
		if err != nil {
			t.Fatal(err)
		}
		u, _ := url.Parse(p.URL)
		resp, err := noFollow.Get(p.URL)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		callback = resp.Header.Get("Location")
		if !strings.HasPrefix(callback, redirect+"?") {
			t.Fatalf("the provider redirected to %q", callback)
		}
		return u.Query().Get("state"), callback
	}
	send := func(req *http.Request) (int, string) {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	get := func(u string) (int, string) {
		req, _ := http.NewRequest(http.MethodGet, u, nil)
		return send(req)
	}
	post := func(token string) (int, string) {
		req, _ := http.NewRequest(http.MethodPost, redirect, strings.NewReader(url.Values{"token": {token}, "decision": {"connect"}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		return send(req)
	}
	formToken := regexp.MustCompile(`name="token" value="([^"]+)"`)
	// unchanged wants after to equal before, but for the pending
	// authorization of usedUp when it is not "".
	unchanged := func(what string, before dbRows, usedUp string) {
		t.Helper()
		diff := before.diff(dump())
		if usedUp != "" {
			h := oauth.StateHash(usedUp)
			i := slices.IndexFunc(diff, func(d string) bool { return strings.Contains(d, "oauth_states - ") && strings.Contains(d, h) })
			if i < 0 {
				t.Errorf("%s: the pending authorization %s was not used up", what, h)
			} else {
				diff = slices.Delete(diff, i, i+1)
			}
		}
		if len(diff) > 0 {
			t.Errorf("%s changed the database:\n%s", what, strings.Join(diff, "\n"))
		}
	}

	// Something in every table that can hold something, so a change to
	// any of them shows: one finished connection, its rows, its audit.
	state, callback := begin()
	code, body := get(callback)
	m := formToken.FindStringSubmatch(body)
	if code != 200 || m == nil {
		t.Fatalf("a valid callback: %d %s", code, body)
	}
	if code, body := post(m[1]); code != 200 || !strings.Contains(body, "Connected dropbox") {
		t.Fatalf("confirming: %d %s", code, body)
	}
	if r := call(t, g.session(t), "dropbox_list_folder", map[string]any{"path": ""}); r.IsError {
		t.Fatalf("a call on the connection: %s", text(r))
	}
	var rows int
	for _, r := range dump() {
		rows += len(r)
	}
	t.Logf("the database holds %d rows before the refused callbacks", rows)

	// A replayed state and a replayed confirmation, both used up above.
	before := dump()
	if code, body := get(callback); code != 400 || !strings.Contains(body, "already used") {
		t.Errorf("replayed state: %d %s", code, body)
	}
	if code, body := post(m[1]); code != 400 {
		t.Errorf("replayed confirmation: %d %s", code, body)
	}
	unchanged("a replayed state and confirmation", before, "")

	// A forged state, beside a pending authorization it must not touch.
	state, callback = begin()
	cu, _ := url.Parse(callback)
	q := cu.Query()
	q.Set("state", "forged-"+state)
	cu.RawQuery = q.Encode()
	before = dump()
	if code, body := get(cu.String()); code != 400 || !strings.Contains(body, "unknown") {
		t.Errorf("forged state: %d %s", code, body)
	}
	if code, _ := get(redirect + "?error=access_denied&state=forged"); code != 400 {
		t.Errorf("a declined consent with a forged state: %d", code)
	}
	unchanged("a forged state", before, "")

	// Declined consent on that pending authorization: it is used up, and
	// its approved callback is refused afterwards.
	before = dump()
	if code, body := get(redirect + "?" + url.Values{"error": {"access_denied"}, "state": {state}}.Encode()); code != 400 || !strings.Contains(body, "declined") {
		t.Errorf("declined consent: %d %s", code, body)
	}
	unchanged("a declined consent", before, state)
	if code, _ := get(callback); code != 400 {
		t.Errorf("the approved callback after a declined consent: %d", code)
	}

	// A wrong code: the person confirms, the provider refuses the code.
	state, callback = begin()
	cu, _ = url.Parse(callback)
	q = cu.Query()
	q.Set("code", "wrong-"+q.Get("code"))
	cu.RawQuery = q.Encode()
	before = dump()
	code, body = get(cu.String())
	m = formToken.FindStringSubmatch(body)
	if code != 200 || m == nil {
		t.Fatalf("a callback with a wrong code: %d %s", code, body)
	}
	if code, body := post(m[1]); code < 400 || !strings.Contains(body, "exchange the authorization code") {
		t.Errorf("confirming a wrong code: %d %s", code, body)
	}
	unchanged("a wrong code", before, state)
}
