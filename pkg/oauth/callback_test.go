package oauth_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/mcpgate/mcpgate/pkg/oauth"
	"github.com/mcpgate/mcpgate/pkg/store"
)

var tokenRE = regexp.MustCompile(`name="token" value="([^"]+)"`)

// serveCallback serves the callback handler with opts and returns its URL.
func serveCallback(t *testing.T, f *fixture, opts oauth.CallbackOptions) string {
	t.Helper()
	mux := http.NewServeMux()
	mux.Handle(oauth.CallbackPath, f.flow.Callback(opts))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL + oauth.CallbackPath
}

func get(t *testing.T, u string) (int, http.Header, string) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

func post(t *testing.T, u, contentType, body string) (int, string) {
	t.Helper()
	resp, err := http.Post(u, contentType, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// redirectTo begins an authorization for connection name with its callback
// at cb, consents at the fake, and returns the callback URL the browser
// would be sent to.
func (f *fixture) redirectTo(t *testing.T, cb, name string) (oauth.Pending, string) {
	t.Helper()
	p, err := f.flow.Begin(context.Background(), f.user, "dropbox", name, nil, cb)
	if err != nil {
		t.Fatal(err)
	}
	state, code := f.consent(t, p.URL)
	return p, cb + "?" + url.Values{"state": {state}, "code": {code}}.Encode()
}

func (f *fixture) connection(name string) (store.Connection, error) {
	return f.flow.Store.User(f.user.ID).Connection(context.Background(), name)
}

func TestCallbackAsksWhomItConnectsBeforeExchanging(t *testing.T) {
	f := setup(t)
	cb := serveCallback(t, f, oauth.CallbackOptions{})
	_, redirect := f.redirectTo(t, cb, "files")

	status, h, page := get(t, redirect)
	if status != http.StatusOK {
		t.Fatalf("redirect: %d %s", status, page)
	}
	for _, want := range []string{`<dd id="user">owner</dd>`, `<dd id="connection">files</dd>`, `<dd id="provider">dropbox</dd>`,
		`<form method="post" action="/oauth/callback">`, `value="connect"`, `value="cancel"`} {
		if !strings.Contains(page, want) {
			t.Errorf("the confirmation page lacks %s:\n%s", want, page)
		}
	}
	for _, want := range []string{"default-src 'none'", "form-action 'self'", "frame-ancestors 'none'"} {
		if !strings.Contains(h.Get("Content-Security-Policy"), want) {
			t.Errorf("CSP %q lacks %s", h.Get("Content-Security-Policy"), want)
		}
	}
	if u, _ := url.Parse(redirect); strings.Contains(page, u.Query().Get("code")) || strings.Contains(page, u.Query().Get("state")) {
		t.Error("the confirmation page reflects the code or the state")
	}
	if _, err := f.connection("files"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a connection exists before the person confirmed: %v", err)
	}

	m := tokenRE.FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no token in the form")
	}
	form := "application/x-www-form-urlencoded"
	status, page = post(t, cb, form, url.Values{"token": {m[1]}, "decision": {"connect"}}.Encode())
	if status != http.StatusOK || !strings.Contains(page, "Connected dropbox as") {
		t.Fatalf("confirm: %d %s", status, page)
	}
	if c, err := f.connection("files"); err != nil || c.UserID != f.user.ID {
		t.Fatalf("after confirming: %+v, %v", c, err)
	}
	if status, page = post(t, cb, form, url.Values{"token": {m[1]}, "decision": {"connect"}}.Encode()); status != http.StatusBadRequest || !strings.Contains(page, "already used") {
		t.Fatalf("the token posted again: %d %s", status, page)
	}
}

// A link forwarded to someone else: they approve at the provider and land
// on the confirmation page, where they stop. Nothing is bound, and the
// held code cannot be completed without the page's token.
func TestForwardedLinkWithoutConfirmationBindsNothing(t *testing.T) {
	f := setup(t)
	cb := serveCallback(t, f, oauth.CallbackOptions{})
	_, redirect := f.redirectTo(t, cb, "files")
	if status, _, page := get(t, redirect); status != http.StatusOK || !strings.Contains(page, "If someone sent you this link, cancel") {
		t.Fatalf("redirect: %d %s", status, page)
	}
	// The requester, who knows the state, cannot complete it either.
	u, _ := url.Parse(redirect)
	form := "application/x-www-form-urlencoded"
	for name, token := range map[string]string{"the state": u.Query().Get("state"), "the code": u.Query().Get("code"), "a guess": "AAAA"} {
		if status, page := post(t, cb, form, url.Values{"token": {token}, "decision": {"connect"}}.Encode()); status != http.StatusBadRequest {
			t.Errorf("posting %s as the token: %d %s", name, status, page)
		}
	}
	if status, _, _ := get(t, redirect); status != http.StatusBadRequest {
		t.Errorf("the redirect replayed: %d, want 400", status)
	}
	f.now = f.now.Add(oauth.ConfirmTTL + oauth.StateTTL)
	if _, err := f.connection("files"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("an unconfirmed authorization bound an account: %v", err)
	}
}

func TestCallbackCancelBindsNothing(t *testing.T) {
	f := setup(t)
	var got []error
	cb := serveCallback(t, f, oauth.CallbackOptions{Done: func(_ store.Connection, err error) { got = append(got, err) }})
	_, redirect := f.redirectTo(t, cb, "files")
	_, _, page := get(t, redirect)
	token := tokenRE.FindStringSubmatch(page)[1]
	form := "application/x-www-form-urlencoded"
	if status, page := post(t, cb, form, "decision=cancel&token="+url.QueryEscape(token)); status != http.StatusOK || !strings.Contains(page, "cancelled") {
		t.Fatalf("cancel: %d %s", status, page)
	}
	if status, _ := post(t, cb, form, "decision=connect&token="+url.QueryEscape(token)); status != http.StatusBadRequest {
		t.Fatalf("connect after cancel: %d", status)
	}
	if _, err := f.connection("files"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("cancelled, yet connected: %v", err)
	}
	if len(got) != 1 || !errors.Is(got[0], oauth.ErrCancelled) {
		t.Fatalf("done was told %v, want one ErrCancelled", got)
	}
}

func TestCallbackFormIsParsedStrictly(t *testing.T) {
	f := setup(t)
	cb := serveCallback(t, f, oauth.CallbackOptions{})
	_, redirect := f.redirectTo(t, cb, "files")
	_, _, page := get(t, redirect)
	token := url.QueryEscape(tokenRE.FindStringSubmatch(page)[1])
	form := "application/x-www-form-urlencoded"
	tests := []struct{ name, contentType, body string }{
		{"JSON", "application/json", `{"token":"` + token + `","decision":"connect"}`},
		{"no content type", "", "decision=connect&token=" + token},
		{"a token twice", form, "decision=connect&token=" + token + "&token=" + token},
		{"an extra field", form, "decision=connect&token=" + token + "&name=other"},
		{"another decision", form, "decision=yes&token=" + token},
		{"no decision", form, "token=" + token},
		{"too long", form, "decision=connect&token=" + token + strings.Repeat("A", 5000)},
	}
	for _, tt := range tests {
		if status, _ := post(t, cb, tt.contentType, tt.body); status != http.StatusBadRequest {
			t.Errorf("%s: %d, want 400", tt.name, status)
		}
	}
	// None of those used the token up.
	if status, page := post(t, cb, form, "decision=connect&token="+token); status != http.StatusOK {
		t.Fatalf("the real form after the bad ones: %d %s", status, page)
	}
}
