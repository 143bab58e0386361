package githubfake_test

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"testing"

	"github.com/mcpgate/mcpgate/pkg/connector/github/githubfake"
)

// get sends a GET with extra headers and returns the status and raw body.
func get(t *testing.T, s *githubfake.Server, path string, h map[string]string) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest("GET", s.URL+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("User-Agent", "test")
	for k, v := range h {
		req.Header.Set(k, v)
	}
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// https://docs.github.com/rest/about-the-rest-api/api-versions lists
// 2022-11-28 and 2026-03-10.
func TestPublishedAPIVersionsAreAccepted(t *testing.T) {
	t.Parallel()
	s := start(t)
	for _, v := range []string{"2022-11-28", "2026-03-10"} {
		if status, body := get(t, s, "/user", map[string]string{"X-GitHub-Api-Version": v}); status != 200 {
			t.Errorf("version %s: status %d %s, want 200", v, status, body)
		}
	}
}

// https://docs.github.com/rest/repos/contents#get-repository-content: a
// file of 1-100 MB comes with content "" and encoding "none" under the
// JSON media type, and whole under the raw one.
func TestLargeFilesNeedTheRawMediaType(t *testing.T) {
	t.Parallel()
	s := start(t)
	big := bytes.Repeat([]byte("0123456789abcde\n"), (1<<20)/16+1)
	s.AddFile("octocat", "hello-world", "data/big.txt", big)
	status, _, v := do(t, s, "GET", "/repos/octocat/hello-world/contents/data/big.txt", "Bearer "+token, "")
	if status != 200 || v["content"] != "" || v["encoding"] != "none" || v["size"] != float64(len(big)) {
		t.Errorf("JSON media type: %d content %.20q encoding %v size %v, want content \"\", encoding none, size %d", status, v["content"], v["encoding"], v["size"], len(big))
	}
	status, raw := get(t, s, "/repos/octocat/hello-world/contents/data/big.txt", map[string]string{"Accept": "application/vnd.github.raw+json"})
	if status != 200 || !bytes.Equal(raw, big) {
		t.Errorf("raw media type: %d, %d bytes, want the %d bytes of the file", status, len(raw), len(big))
	}
}

// https://docs.github.com/search-github/searching-on-github/searching-code:
// a code search needs a term besides qualifiers.
func TestQualifierOnlyCodeSearchIsRefused(t *testing.T) {
	t.Parallel()
	s := start(t)
	status, _, v := do(t, s, "GET", "/search/code?q="+url.QueryEscape("repo:octocat/hello-world language:go"), "Bearer "+token, "")
	if status != 422 || v["message"] != "Validation Failed" {
		t.Errorf("status %d %v, want 422 Validation Failed", status, v)
	}
}

// https://docs.github.com/rest/search/search#search-issues-and-pull-requests:
// a GitHub App user token must say is:issue or is:pull-request.
func TestAppUserTokensSearchIssuesWithAType(t *testing.T) {
	t.Parallel()
	const ghu = "ghu_fakeAppUserToken0123456789"
	s := githubfake.New(ghu)
	t.Cleanup(s.Close)
	status, _, v := do(t, s, "GET", "/search/issues?q=greeting", "Bearer "+ghu, "")
	if status != 422 {
		t.Errorf("no type: status %d %v, want 422", status, v)
	}
	if status, _, _ := do(t, s, "GET", "/search/issues?q="+url.QueryEscape("greeting is:issue"), "Bearer "+ghu, ""); status != 200 {
		t.Errorf("is:issue: status %d, want 200", status)
	}
	if status, _, _ := do(t, start(t), "GET", "/search/issues?q=greeting", "Bearer "+token, ""); status != 200 {
		t.Errorf("a personal token without a type: status %d, want 200", status)
	}
}
