package fakekit_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/mcpgate/mcpgate/pkg/connector/fakekit"
)

// fake is the smallest fake: it answers 204 and names a failure in its
// hook's answer.
type fake struct {
	fakekit.Base
	URL string
}

func start(t *testing.T) *fake {
	t.Helper()
	f := &fake{}
	f.URL = f.Start(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	}), func(w http.ResponseWriter, _ *http.Request, fl fakekit.Failure) {
		fakekit.WriteJSON(w, http.StatusTeapot, "application/json; charset=utf-8", map[string]string{"failure": fl.String()})
	})
	t.Cleanup(f.Close)
	return f
}

func get(t *testing.T, f *fake, timeout time.Duration) (int, string, error) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, f.URL+"/x", nil)
	req.Header.Set("X-Probe", "1")
	c := f.Client()
	c.Timeout = timeout
	resp, err := c.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), nil
}

func TestFailNextCountsDown(t *testing.T) {
	t.Parallel()
	f := start(t)
	f.FailNext(fakekit.ServerError, 2)
	for i, want := range []int{http.StatusTeapot, http.StatusTeapot, http.StatusNoContent} {
		if got, _, err := get(t, f, time.Second); got != want || err != nil {
			t.Errorf("request %d = %d, %v; want %d", i+1, got, err, want)
		}
	}
	f.FailNext(fakekit.RateLimit, -1)
	for range 3 {
		if _, body, _ := get(t, f, time.Second); !strings.Contains(body, `"RateLimit"`) {
			t.Errorf("body = %q, want the hook's RateLimit answer", body)
		}
	}
	f.FailNext(fakekit.None, 0)
	if got, _, _ := get(t, f, time.Second); got != http.StatusNoContent {
		t.Errorf("after FailNext(None, 0): %d", got)
	}
	if n := f.Requests(); n != 7 {
		t.Errorf("Requests() = %d, want 7 (failed ones count)", n)
	}
	if h := f.LastHeaders(); h.Get("X-Probe") != "1" {
		t.Errorf("LastHeaders() = %v", h)
	}
}

func TestGarbageIsAnHTMLPage(t *testing.T) {
	t.Parallel()
	f := start(t)
	f.FailNext(fakekit.Garbage, 1)
	code, body, err := get(t, f, time.Second)
	if err != nil || code != http.StatusOK || !strings.HasPrefix(body, "<html>") {
		t.Errorf("garbage = %d %q %v", code, body, err)
	}
}

func TestHangLastsUntilTheClientGivesUpOrCloseIsCalled(t *testing.T) {
	t.Parallel()
	f := start(t)
	f.FailNext(fakekit.Hang, -1)
	began := time.Now()
	if _, _, err := get(t, f, 50*time.Millisecond); err == nil || time.Since(began) > 2*time.Second {
		t.Errorf("hang: %v after %v, want a client timeout", err, time.Since(began))
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _, _ = get(t, f, 0)
	}()
	for f.Requests() < 2 {
		time.Sleep(time.Millisecond)
	}
	f.Close()
	f.Close() // a second Close is harmless
	select {
	case <-done:
	case <-time.After(2 * time.Second):
		t.Error("Close did not release a hanging request")
	}
}

func TestFailureNames(t *testing.T) {
	t.Parallel()
	if got := fakekit.EchoToken.String(); got != "EchoToken" {
		t.Errorf("EchoToken.String() = %q", got)
	}
	if got := fakekit.Failure(42).String(); got != "Failure(42)" {
		t.Errorf("Failure(42).String() = %q", got)
	}
}

func TestS256IsThePKCEChallenge(t *testing.T) {
	t.Parallel()
	// The example of RFC 7636, appendix B.
	if got := fakekit.S256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"); got != "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM" {
		t.Errorf("S256 = %q", got)
	}
	if a, b := fakekit.RandomString(24), fakekit.RandomString(24); len(a) != 24 || a == b || strings.Trim(a, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789") != "" {
		t.Errorf("RandomString = %q, %q", a, b)
	}
}

func TestClientCredentialsComeFromBasicOrTheForm(t *testing.T) {
	t.Parallel()
	form := url.Values{"client_id": {"form-id"}, "client_secret": {"form secret"}}
	r := httptest.NewRequest(http.MethodPost, "/token", nil)
	if id, secret, basic := fakekit.ClientCredentials(r, form, true); id != "form-id" || secret != "form secret" || basic {
		t.Errorf("without Basic = %q, %q, %v", id, secret, basic)
	}
	r.SetBasicAuth("a%3Ab", "s%20t")
	if id, secret, basic := fakekit.ClientCredentials(r, form, false); id != "a%3Ab" || secret != "s%20t" || !basic {
		t.Errorf("Basic as sent = %q, %q, %v", id, secret, basic)
	}
	if id, secret, _ := fakekit.ClientCredentials(r, form, true); id != "a:b" || secret != "s t" {
		t.Errorf("Basic decoded = %q, %q", id, secret)
	}
}

func TestRedirectAllowed(t *testing.T) {
	t.Parallel()
	reg := []string{"https://app.example/cb"}
	for uri, want := range map[string]bool{
		"https://app.example/cb": true, "https://app.example/other": false, "https://app.example/cb#x": false,
		"javascript:alert(1)": false,
	} {
		if got := fakekit.RedirectAllowed(uri, reg); got != want {
			t.Errorf("RedirectAllowed(%q) = %v, want %v", uri, got, want)
		}
	}
	if !fakekit.RedirectAllowed("http://127.0.0.1:9/any", nil) {
		t.Error("with nothing registered, any http(s) URI is allowed")
	}
}

func TestRedirectBackKeepsTheRedirectsQuery(t *testing.T) {
	t.Parallel()
	w := httptest.NewRecorder()
	fakekit.RedirectBack(w, httptest.NewRequest(http.MethodGet, "/authorize", nil), "https://app.example/cb?keep=1&code=old",
		url.Values{"code": {"new"}, "state": {"s"}})
	if loc := w.Header().Get("Location"); w.Code != http.StatusFound || loc != "https://app.example/cb?code=new&keep=1&state=s" {
		t.Errorf("redirect = %d %q", w.Code, loc)
	}
}

func TestErrorPageEscapes(t *testing.T) {
	t.Parallel()
	w := httptest.NewRecorder()
	fakekit.ErrorPage(w, "Error (400)", `bad <client> "x"`)
	if w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), "<h1>Error (400)</h1><p>bad &lt;client&gt; &#34;x&#34;</p>") {
		t.Errorf("page = %d %q", w.Code, w.Body.String())
	}
}

func TestConsentDenies(t *testing.T) {
	t.Parallel()
	var c fakekit.Consent
	if c.Denied() {
		t.Error("a new Consent denies")
	}
	c.DenyConsent(true)
	if !c.Denied() {
		t.Error("DenyConsent(true) did not deny")
	}
}
