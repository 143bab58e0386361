package oauth_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/mcpgate/mcpgate/pkg/oauth"
	"github.com/mcpgate/mcpgate/pkg/store"
)

type waited struct {
	conn store.Connection
	err  error
}

// startLocal begins an authorization received by a loopback listener and
// waits for it in the background.
func startLocal(t *testing.T, f *fixture) (*oauth.Local, oauth.Pending, <-chan waited) {
	t.Helper()
	l, err := oauth.ListenLocal(0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	p, err := f.flow.Begin(context.Background(), f.user, "dropbox", "files", nil, l.RedirectURL())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	done := make(chan waited, 1)
	go func() {
		c, err := l.Wait(ctx, f.flow, p)
		done <- waited{c, err}
	}()
	return l, p, done
}

func request(t *testing.T, method, u, host, body string) int {
	t.Helper()
	req, _ := http.NewRequest(method, u, strings.NewReader(body))
	if host != "" {
		req.Host = host
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

func stillWaiting(t *testing.T, done <-chan waited, after string) {
	t.Helper()
	select {
	case w := <-done:
		t.Fatalf("the listener stopped waiting after %s: %+v", after, w)
	case <-time.After(200 * time.Millisecond):
	}
}

// Requests that are not the pending authorization's, such as an <img> on
// another site pointing at the well-known port, get 400 and end nothing.
func TestLocalListenerAnswersOnlyItsOwnAuthorization(t *testing.T) {
	f := setup(t)
	l, _, done := startLocal(t, f)
	cb := l.RedirectURL()
	tests := []struct{ name, method, url, body string }{
		{"no state", "GET", cb, ""},
		{"no state, a code", "GET", cb + "?code=abc", ""},
		{"declined without a state", "GET", cb + "?error=access_denied", ""},
		{"another state", "GET", cb + "?state=forged&code=abc", ""},
		{"another state, declined", "GET", cb + "?state=forged&error=access_denied", ""},
		{"a form before any page", "POST", cb, "decision=connect&token=guess"},
		{"a cancel before any page", "POST", cb, "decision=cancel&token=guess"},
	}
	for _, tt := range tests {
		if got := request(t, tt.method, tt.url, "", tt.body); got != http.StatusBadRequest {
			t.Errorf("%s: %d, want 400", tt.name, got)
		}
	}
	stillWaiting(t, done, "requests that were not its authorization's")
}

// Only 127.0.0.1:PORT and localhost:PORT are answered: a DNS name rebound
// to 127.0.0.1 is refused, even with the right state.
func TestLocalListenerChecksHost(t *testing.T) {
	f := setup(t)
	l, p, done := startLocal(t, f)
	state, code := f.consent(t, p.URL)
	redirect := l.RedirectURL() + "?" + url.Values{"state": {state}, "code": {code}}.Encode()
	port := strings.TrimPrefix(strings.TrimSuffix(l.RedirectURL(), oauth.CallbackPath), "http://127.0.0.1:")
	for _, host := range []string{"rebound.example:" + port, "127.0.0.1", "localhost", "127.0.0.1:1", "[::1]:" + port, "127.0.0.2:" + port} {
		if got := request(t, "GET", redirect, host, ""); got != http.StatusMisdirectedRequest {
			t.Errorf("Host %s: %d, want 421", host, got)
		}
	}
	stillWaiting(t, done, "requests to another host")

	// The refused requests used nothing up: the real redirect still works.
	resp, err := http.Get(strings.Replace(redirect, "127.0.0.1", "localhost", 1))
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := tokenRE.FindSubmatch(page)
	if resp.StatusCode != http.StatusOK || m == nil {
		t.Fatalf("the real redirect: %d %s", resp.StatusCode, page)
	}
	stillWaiting(t, done, "the confirmation page alone")
	if got := request(t, "POST", l.RedirectURL(), "", "decision=connect&token=other"); got != http.StatusBadRequest {
		t.Fatalf("another token: %d, want 400", got)
	}
	if got := request(t, "POST", l.RedirectURL(), "", "decision=connect&token="+url.QueryEscape(string(m[1]))); got != http.StatusOK {
		t.Fatalf("confirm: %d", got)
	}
	select {
	case w := <-done:
		if w.err != nil || w.conn.Name != "files" || w.conn.UserID != f.user.ID {
			t.Fatalf("Wait returned %+v", w)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the listener did not end after the confirmation")
	}
}
