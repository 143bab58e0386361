package googlefake_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mcpgate/mcpgate/pkg/connector/fakekit"
)

func TestFailNext(t *testing.T) {
	t.Parallel()
	s := start(t)
	s.FailNext(fakekit.ServerError, 2)
	for i := 0; i < 2; i++ {
		if reason := googleError(t, get(t, s, "/drive/v3/files"), 500, "INTERNAL"); reason != "backendError" {
			t.Errorf("reason %q", reason)
		}
	}
	if r := get(t, s, "/drive/v3/files"); r.status != 200 {
		t.Errorf("third request: %d", r.status)
	}

	s.FailNext(fakekit.RateLimit, -1)
	if reason := googleError(t, get(t, s, "/gmail/v1/users/me/labels"), 429, "RESOURCE_EXHAUSTED"); reason != "rateLimitExceeded" {
		t.Errorf("Gmail rate limit reason %q", reason)
	}
	r := get(t, s, "/drive/v3/files")
	if reason := googleError(t, r, 403, "PERMISSION_DENIED"); reason != "userRateLimitExceeded" || r.header.Get("Retry-After") != "30" {
		t.Errorf("Drive rate limit reason %q, Retry-After %q", reason, r.header.Get("Retry-After"))
	}
	s.FailNext(fakekit.None, 0)

	s.FailNext(fakekit.Garbage, 1)
	if r := get(t, s, "/drive/v3/files"); r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") {
		t.Errorf("garbage = %d %q", r.status, r.header.Get("Content-Type"))
	}
	s.FailNext(fakekit.EchoToken, 1)
	if r := get(t, s, "/drive/v3/files"); r.status != 400 || !strings.Contains(string(r.raw), token) {
		t.Errorf("echo = %d %s", r.status, r.raw)
	}
	s.FailNext(fakekit.ServerError, 1)
	if r := do(t, s, "POST", "/token", "", "application/x-www-form-urlencoded", "grant_type=refresh_token"); r.status != 500 || r.json["error"] != "internal_failure" {
		t.Errorf("token endpoint failure = %d %s", r.status, r.raw)
	}

	s.FailNext(fakekit.Hang, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", s.URL+"/drive/v3/files", nil)
	start := time.Now()
	if _, err := s.Client().Do(req); err == nil || time.Since(start) > 2*time.Second {
		t.Errorf("hang: %v after %v", err, time.Since(start))
	}
	if n := s.Requests(); n < 9 {
		t.Errorf("Requests() = %d", n)
	}
}

func TestUnknownPathsAreGoogleStyle404s(t *testing.T) {
	t.Parallel()
	s := start(t)
	if r := get(t, s, "/gmail/v2/nothing"); r.status != 404 || !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") {
		t.Errorf("unknown path = %d %q", r.status, r.header.Get("Content-Type"))
	}
}
