package fakekit_test

import (
	"io"
	"net/http"
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
