package githubfake_test

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mcpgate/mcpgate/pkg/connector/github/githubfake"
)

const token = "ghp_fake_token"

func start(t testing.TB, opts ...githubfake.Option) *githubfake.Server {
	t.Helper()
	s := githubfake.New(token, opts...)
	t.Cleanup(s.Close)
	return s
}

// do sends a request with the given Authorization and decodes a JSON body.
func do(t testing.TB, s *githubfake.Server, method, path, auth, body string) (int, http.Header, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, s.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("User-Agent", "test")
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var v map[string]any
	if strings.HasPrefix(strings.TrimSpace(string(raw)), "{") {
		if err := json.Unmarshal(raw, &v); err != nil {
			t.Fatalf("%s %s: body is not JSON: %s", method, path, raw)
		}
	}
	return resp.StatusCode, resp.Header, v
}

func TestAuthentication(t *testing.T) {
	t.Parallel()
	s := start(t)
	tests := []struct {
		auth    string
		status  int
		message string
	}{
		{"Bearer " + token, 200, ""},
		{"token " + token, 200, ""},
		{"", 401, "Requires authentication"},
		{"Bearer wrong", 401, "Bad credentials"},
		{"Basic " + token, 401, "Bad credentials"},
	}
	for _, tt := range tests {
		status, _, body := do(t, s, "GET", "/user", tt.auth, "")
		if status != tt.status {
			t.Errorf("Authorization %q: status %d, want %d", tt.auth, status, tt.status)
		}
		if tt.message != "" && (body["message"] != tt.message || body["documentation_url"] == nil) {
			t.Errorf("Authorization %q: body %v, want message %q and documentation_url", tt.auth, body, tt.message)
		}
		if tt.status == 200 && body["login"] != githubfake.Login {
			t.Errorf("login = %v, want %s", body["login"], githubfake.Login)
		}
	}
}

func TestGitHubShapes(t *testing.T) {
	t.Parallel()
	s := start(t, githubfake.WithPathPrefix("/api/v3"))
	auth := "Bearer " + token

	status, _, body := do(t, s, "GET", "/repos/octocat/nope", auth, "")
	if status != 404 || body["message"] != "Not Found" {
		t.Errorf("missing repo: %d %v", status, body)
	}

	_, _, file := do(t, s, "GET", "/repos/octocat/hello-world/contents/README.md", auth, "")
	enc, _ := file["content"].(string)
	for _, line := range strings.Split(strings.TrimRight(enc, "\n"), "\n") {
		if len(line) > 60 {
			t.Errorf("base64 line of %d characters, want GitHub's 60-column wrapping", len(line))
		}
	}
	if data, err := base64.StdEncoding.DecodeString(enc); err != nil || !strings.HasPrefix(string(data), "# Hello World") {
		t.Errorf("content decodes to %q, %v", data, err)
	}
	if file["type"] != "file" || file["encoding"] != "base64" || file["sha"] == "" {
		t.Errorf("file entry = %v", file)
	}

	_, _, search := do(t, s, "GET", "/search/issues?q=greeting", auth, "")
	for _, key := range []string{"total_count", "incomplete_results", "items"} {
		if _, ok := search[key]; !ok {
			t.Errorf("search result lacks %q: %v", key, search)
		}
	}

	_, h, _ := do(t, s, "GET", "/user/repos?per_page=1", auth, "")
	if link := h.Get("Link"); !strings.Contains(link, s.URL+"/user/repos?page=2&per_page=1>; rel=\"next\"") {
		t.Errorf("Link = %q, want a next page under the prefix", link)
	}

	status, _, body = do(t, s, "POST", "/repos/octocat/hello-world/issues", auth, `{"body":"no title"}`)
	if status != 422 || body["message"] != "Validation Failed" {
		t.Errorf("issue without title: %d %v", status, body)
	}
	status, _, body = do(t, s, "POST", "/repos/octocat/hello-world/issues", auth, `not json`)
	if status != 400 || body["message"] != "Problems parsing JSON" {
		t.Errorf("bad JSON: %d %v", status, body)
	}
	status, _, _ = do(t, s, "DELETE", "/repos/octocat/hello-world", auth, "")
	if status != 404 {
		t.Errorf("unsupported method: %d, want 404", status)
	}
}

func TestHeadersGitHubInsistsOn(t *testing.T) {
	t.Parallel()
	s := start(t)
	req, _ := http.NewRequest("GET", s.URL+"/user", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("User-Agent", "")
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 403 {
		t.Errorf("no User-Agent: status %d, want 403", resp.StatusCode)
	}
	req.Header.Set("User-Agent", "test")
	req.Header.Set("X-GitHub-Api-Version", "1999-01-01")
	resp, err = s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 400 {
		t.Errorf("unknown API version: status %d, want 400", resp.StatusCode)
	}
}

func TestFailNextCountsDown(t *testing.T) {
	t.Parallel()
	s := start(t)
	s.FailNext(githubfake.ServerError, 2)
	var got []int
	for range 3 {
		status, _, _ := do(t, s, "GET", "/user", "Bearer "+token, "")
		got = append(got, status)
	}
	if got[0] != 500 || got[1] != 500 || got[2] != 200 {
		t.Errorf("statuses = %v, want 500, 500, 200", got)
	}
}

func TestCloseReleasesHangingRequests(t *testing.T) {
	t.Parallel()
	s := githubfake.New(token)
	s.FailNext(githubfake.Hang, -1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		req, _ := http.NewRequest("GET", s.URL+"/user", nil)
		if resp, err := s.Client().Do(req); err == nil {
			resp.Body.Close()
		}
	}()
	for s.Requests() == 0 {
		time.Sleep(time.Millisecond)
	}
	s.Close()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Close left a hanging request blocked")
	}
}

func TestRequestsIsSafeForConcurrentUse(t *testing.T) {
	t.Parallel()
	s := start(t)
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			do(t, s, "POST", "/repos/octocat/hello-world/issues/1/comments", "Bearer "+token, `{"body":"x"}`)
		})
	}
	wg.Wait()
	if got := s.Requests(); got != 50 {
		t.Errorf("Requests() = %d, want 50", got)
	}
	if got := len(s.CommentBodies("octocat", "hello-world", 1)); got != 52 {
		t.Errorf("%d comments, want 52", got)
	}
}

func BenchmarkGetIssue(b *testing.B) {
	s := start(b)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			do(b, s, "GET", "/repos/octocat/hello-world/issues/1", "Bearer "+token, "")
		}
	})
}
