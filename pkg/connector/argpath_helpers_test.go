package connector_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/mcpgate/mcpgate/pkg/connector"
	"github.com/mcpgate/mcpgate/pkg/connector/dropbox/dropboxfake"
	"github.com/mcpgate/mcpgate/pkg/connector/github/githubfake"
	"github.com/mcpgate/mcpgate/pkg/connector/google/googlefake"
	"github.com/mcpgate/mcpgate/pkg/connector/slack/slackfake"
	"github.com/mcpgate/mcpgate/pkg/secret"

	_ "github.com/mcpgate/mcpgate/pkg/connector/dropbox"
	_ "github.com/mcpgate/mcpgate/pkg/connector/github"
	_ "github.com/mcpgate/mcpgate/pkg/connector/google"
	_ "github.com/mcpgate/mcpgate/pkg/connector/slack"
)

const token = "CANARY-argpath-0123456789abcdef"

// fakes start a seeded fake upstream of each provider.
var fakes = map[string]func() (url string, close func()){
	"github":  func() (string, func()) { f := githubfake.New(token); return f.URL, f.Close },
	"slack":   func() (string, func()) { f := slackfake.New(token); return f.URL, f.Close },
	"google":  func() (string, func()) { f := googlefake.New(token); return f.URL, f.Close },
	"dropbox": func() (string, func()) { f := dropboxfake.New(token); return f.URL, f.Close },
}

// validArgs has, for each of the 32 built-in tools, arguments the seeded
// fakes accept: the seeds the variants are made from.
var validArgs = map[string]string{
	"github/list_repos":    `{"visibility":"all","per_page":5}`,
	"github/get_repo":      `{"owner":"octocat","repo":"hello-world"}`,
	"github/list_issues":   `{"owner":"octocat","repo":"hello-world","labels":["bug"],"state":"all"}`,
	"github/get_issue":     `{"owner":"octocat","repo":"hello-world","number":1}`,
	"github/create_issue":  `{"owner":"octocat","repo":"hello-world","title":"New","body":"b","labels":["bug"]}`,
	"github/comment_issue": `{"owner":"octocat","repo":"hello-world","number":1,"body":"Thanks"}`,
	"github/list_pulls":    `{"owner":"octocat","repo":"hello-world"}`,
	"github/get_pull":      `{"owner":"octocat","repo":"hello-world","number":2}`,
	"github/get_file":      `{"owner":"octocat","repo":"hello-world","path":"README.md","ref":"main"}`,
	"github/search_issues": `{"q":"greeting"}`,
	"github/search_code":   `{"q":"NewClient","per_page":3}`,

	"slack/list_channels":   `{"types":["public_channel"],"limit":10}`,
	"slack/channel_history": `{"channel":"general","oldest":"2024-05-01"}`,
	"slack/thread_replies":  `{"channel":"C01GENERAL","ts":"1714561200.000200"}`,
	"slack/post_message":    `{"channel":"#general","text":"Hello from the gateway"}`,
	"slack/reply_in_thread": `{"channel":"C01GENERAL","thread_ts":"1714561200.000200","text":"Nice"}`,
	"slack/list_users":      `{"limit":5}`,
	"slack/get_user":        `{"user":"U02BOB"}`,

	"google/gmail_search":       `{"q":"meeting","max_results":3}`,
	"google/gmail_read":         `{"id":"` + googlefake.MsgAlternative + `"}`,
	"google/gmail_list_labels":  `{}`,
	"google/gmail_create_draft": `{"to":["bob@example.com"],"cc":["Ann <ann@Example.com>"],"subject":"Hi","body":"Hello"}`,
	"google/gmail_send":         `{"to":["bob@example.com"],"bcc":["eve@example.org"],"subject":"Hi","body":"Hello"}`,
	"google/drive_search":       `{"q":"plan","page_size":5}`,
	"google/drive_get":          `{"file_id":"https://docs.google.com/document/d/` + googlefake.DocPlan + `/edit"}`,
	"google/drive_read":         `{"file_id":"` + googlefake.TextNotes + `"}`,
	"google/drive_create_text":  `{"name":"n.txt","content":"hello","parent_id":"` + googlefake.FolderProjects + `"}`,

	"dropbox/list_folder":        `{"path":"Documents/"}`,
	"dropbox/search":             `{"query":"notes","path":"/Documents"}`,
	"dropbox/read_file":          `{"path":"/Documents/notes.txt"}`,
	"dropbox/upload_text":        `{"path":"/Documents/new.txt","text":"hello"}`,
	"dropbox/create_shared_link": `{"path":"/Documents/notes.txt"}`,
}

// builtinTools lists every built-in tool as "provider/name".
func builtinTools(t testing.TB) map[string]connector.Tool {
	t.Helper()
	all := map[string]connector.Tool{}
	for _, name := range []string{"github", "slack", "google", "dropbox"} {
		p, err := connector.Lookup(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, tl := range p.Tools() {
			all[name+"/"+tl.Name] = tl
		}
	}
	return all
}

// request is what an upstream received, in full: what the property compares.
type request struct {
	Method, Path, Query, DropboxArg, ContentType string
	Body                                         []byte
}

// recorder is a RoundTripper that keeps every request it forwards.
type recorder struct {
	mu   sync.Mutex
	reqs []request
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		body, _ = io.ReadAll(req.Body)
		req.Body.Close()
		req.Body = io.NopCloser(bytes.NewReader(body))
	}
	r.mu.Lock()
	r.reqs = append(r.reqs, request{
		Method: req.Method, Path: req.URL.EscapedPath(), Query: req.URL.Query().Encode(),
		DropboxArg: req.Header.Get("Dropbox-API-Arg"), ContentType: req.Header.Get("Content-Type"), Body: body,
	})
	r.mu.Unlock()
	return http.DefaultTransport.RoundTrip(req)
}

// sorted returns the requests in a fixed order: some tools send several
// at once (Gmail fetches each listed message concurrently).
func (r *recorder) sorted() []string {
	out := make([]string, len(r.reqs))
	for i, q := range r.reqs {
		out[i] = fmt.Sprintf("%s %s?%s arg=%s type=%s body=%q", q.Method, q.Path, q.Query, q.DropboxArg, q.ContentType, q.Body)
	}
	slices.Sort(out)
	return out
}

// runOnFreshFake runs p against a new seeded fake of provider and returns
// every request the fake received.
func runOnFreshFake(t *testing.T, provider string, p connector.Prepared) []string {
	t.Helper()
	url, closeFake := fakes[provider]()
	defer closeFake()
	rec := &recorder{}
	up := connector.Upstream{
		BaseURL: url, Credential: secret.FromString(token),
		HTTP: &http.Client{Transport: rec, Timeout: 10 * time.Second},
		Now:  func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) },
	}
	_, _ = p.Run(t.Context(), up)
	return rec.sorted()
}

func canonicalJSON(t testing.TB, args map[string]any) []byte {
	t.Helper()
	b, err := json.Marshal(args)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func errorsAs(err error, target any) bool { return errors.As(err, target) }
