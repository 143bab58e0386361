package github

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/mcpgate/mcpgate/pkg/connector"
	"github.com/mcpgate/mcpgate/pkg/secret"
)

func TestStatusErrorsSayWhatToDo(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		status int
		header map[string]string
		body   string
		want   string
		kind   error
	}{
		{"403 without a rate limit is a permission problem", 403, nil,
			`{"message":"Resource not accessible by personal access token"}`,
			"GitHub refused the call (HTTP 403: Resource not accessible by personal access token); the token may lack the scope", nil},
		{"429 with retry-after is a secondary rate limit", 429, map[string]string{"Retry-After": "60"},
			`{"message":"You have exceeded a secondary rate limit."}`,
			"GitHub rate limit reached: You have exceeded a secondary rate limit; retry after 60 seconds", ErrRateLimited},
		{"403 naming a rate limit without headers", 403, nil,
			`{"message":"API rate limit exceeded"}`, "wait a minute before retrying", ErrRateLimited},
		{"422 lists the validation errors", 422, nil,
			`{"message":"Validation Failed","errors":[{"resource":"Issue","field":"title","code":"missing_field"},{"message":"assignee is invalid"},"plain text"]}`,
			"GitHub answered HTTP 422: Validation Failed (title: missing_field; assignee is invalid; plain text)", nil},
		{"410 keeps GitHub's message", 410, nil, `{"message":"Issues are disabled for this repo"}`,
			"GitHub answered HTTP 410: Issues are disabled for this repo", nil},
		{"502 with an HTML body is unexpected", 502, map[string]string{"Content-Type": "text/html"},
			"<html>Bad gateway</html>", "unexpected response from GitHub (HTTP 502, content type text/html)", nil},
		{"401 with garbage is still unauthorized", 401, nil, "nope", "GitHub refused the connection's token (HTTP 401)", connector.ErrUnauthorized},
		{"404 with garbage is still not found", 404, nil, "", "GET /x: not found (or the token cannot see it)", ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			resp := &http.Response{StatusCode: tt.status, Header: http.Header{}}
			for k, v := range tt.header {
				resp.Header.Set(k, v)
			}
			err := statusError("GET", "/x", resp, []byte(tt.body))
			if got := err.Error(); !strings.Contains(got, tt.want) {
				t.Errorf("got %q, want it to contain %q", got, tt.want)
			}
			if tt.kind != nil && !errors.Is(err, tt.kind) {
				t.Errorf("%v is not %v", err, tt.kind)
			}
		})
	}
}

func TestScrubKeepsTheErrorKind(t *testing.T) {
	t.Parallel()
	c := &client{token: "ghp_secret", secrets: secret.NewRedactor(secret.FromString("ghp_secret"))}
	err := c.Scrub(fmt.Errorf("GitHub said ghp_secret twice ghp_secret: %w", connector.ErrUnauthorized))
	if got, want := err.Error(), "GitHub said [redacted] twice [redacted]: "+connector.ErrUnauthorized.Error(); got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if !errors.Is(err, connector.ErrUnauthorized) {
		t.Errorf("scrubbed error lost ErrUnauthorized")
	}
	// The chain is kept for errors.Is and errors.As (secret.Redactor.Scrub);
	// what is printed is the scrubbed message.
	if got := fmt.Sprintf("%v %+v %s", err, err, err); strings.Contains(got, "ghp_secret") {
		t.Errorf("the scrubbed error prints the token: %q", got)
	}
	clean := errors.New("clean")
	if c.Scrub(clean) != clean {
		t.Errorf("a clean error should pass through unchanged")
	}
}

func TestNextPageFromLinkHeader(t *testing.T) {
	t.Parallel()
	tests := map[string]int{
		``: 0,
		`<https://api.github.com/user/repos?page=3&per_page=1>; rel="next", <https://api.github.com/user/repos?page=9>; rel="last"`: 3,
		`<https://api.github.com/user/repos?page=1>; rel="prev", <https://api.github.com/user/repos?page=1>; rel="first"`:           0,
		`<https://ghe.example.com/api/v3/search/code?q=x&page=2>; rel="next"`:                                                       2,
	}
	for link, want := range tests {
		if got := nextPage(link); got != want {
			t.Errorf("nextPage(%q) = %d, want %d", link, got, want)
		}
	}
}

// upstream serves handler and returns an Upstream aimed at it.
func upstream(t *testing.T, h http.HandlerFunc) connector.Upstream {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return connector.Upstream{BaseURL: srv.URL, Credential: secret.FromString("ghp_t"), HTTP: srv.Client()}
}

func TestOversizedResponsesAreRefused(t *testing.T) {
	t.Parallel()
	up := upstream(t, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"login":"`)
		_, _ = io.Copy(w, io.LimitReader(neverEnding('a'), maxBody))
		_, _ = io.WriteString(w, `"}`)
	})
	_, err := Provider{}.Identify(context.Background(), up)
	if err == nil || !strings.Contains(err.Error(), "larger than 8 MiB") {
		t.Errorf("error = %v, want a size error", err)
	}
}

func TestJSONOfTheWrongShapeIsUnexpected(t *testing.T) {
	t.Parallel()
	up := upstream(t, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"items":"not a list"}`)
	})
	_, err := connector.Call(context.Background(), searchCodeTool, up, []byte(`{"q":"x"}`))
	if err == nil || !strings.Contains(err.Error(), "unexpected response from GitHub (HTTP 200, content type application/json)") {
		t.Errorf("error = %v, want unexpected response", err)
	}
}

func TestUnreachableGitHub(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.NotFoundHandler())
	base := srv.URL
	srv.Close()
	up := connector.Upstream{BaseURL: base, Credential: secret.FromString("ghp_t"), HTTP: &http.Client{Timeout: time.Second}}
	_, err := Provider{}.Identify(context.Background(), up)
	if err == nil || !strings.HasPrefix(err.Error(), "cannot reach GitHub: ") || strings.Contains(err.Error(), base+"/user") {
		t.Errorf("error = %v, want a reachability error without the URL", err)
	}
}

func TestBadAPIURL(t *testing.T) {
	t.Parallel()
	for _, base := range []string{"ftp://example.com", "not a url", "https://"} {
		up := connector.Upstream{BaseURL: base, Credential: secret.FromString("ghp_t")}
		if _, err := (Provider{}).Identify(context.Background(), up); err == nil || !strings.Contains(err.Error(), "connectors.github.api_url") {
			t.Errorf("BaseURL %q: error = %v, want it to name the setting", base, err)
		}
	}
}

type neverEnding byte

func (b neverEnding) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(b)
	}
	return len(p), nil
}
