package e2e

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mcpgate/mcpgate/pkg/config"
	"github.com/mcpgate/mcpgate/pkg/connector/dropbox/dropboxfake"
	"github.com/mcpgate/mcpgate/pkg/connector/github/githubfake"
	"github.com/mcpgate/mcpgate/pkg/store/postgres/pgtest"
)

// clientSecretCanary is the Dropbox app's OAuth client secret: it must
// reach Dropbox's token endpoint and nothing else.
const clientSecretCanary = "dbxapp_E2ECANARY2b8d4f6a0c1e3a5c7e9b1d3f5a7c9e1"

// secretForms are the ways a secret could be written out: whole, a part
// of it, hex, base64 and base64url.
func secretForms(s string) []string {
	return []string{s, s[4:20], hex.EncodeToString([]byte(s)),
		base64.StdEncoding.EncodeToString([]byte(s)), base64.RawURLEncoding.EncodeToString([]byte(s))}
}

// TestCanaryAppearsNowhere runs the real binary on each database with a
// GitHub token and an OAuth client secret that are canaries. It drives
// every kind of call (an upstream that echoes the token back, one that
// fails, hangs or answers garbage, an OAuth connection made through the
// browser callback and refreshed), then looks for either canary in
// everything mcpgate produced: the status line, headers and body of every
// HTTP response (MCP, callback pages, /metrics, /healthz), serve's own
// stdout and stderr, the stdout and stderr of every command run (the
// read-only ones in table and JSON form, audit export in both formats),
// every row of every table the database's catalog lists, and every file
// of the data dir. A file that cannot be read fails the test.
func TestCanaryAppearsNowhere(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		dir := t.TempDir()
		c := newCanaryRun(t, []string{"MCPGATE_DATA_DIR=" + dir})
		c.dbFiles = []string{"mcpgate.db", "mcpgate.db-wal"}
		c.run(t, func() dbRows { return dumpSQLite(t, filepath.Join(dir, "mcpgate.db")) })
	})
	t.Run("postgres", func(t *testing.T) {
		d := pgtest.FreshOwnedDB(t)
		c := newCanaryRun(t, []string{"MCPGATE_DATA_DIR=" + t.TempDir(),
			"MCPGATE_DATABASE_URL=" + d.ServeURL(), "MCPGATE_DATABASE_ADMIN_URL=" + d.OwnerURL}, "--serve-role", d.ServeRole)
		dump := func() dbRows { return dumpPostgres(t, d.SuperURL) }
		c.run(t, dump)
		// The scan finds a canary in a table no code names, so a table a
		// later migration adds is scanned too.
		pgtest.Exec(t, context.Background(), d.SuperURL, "CREATE TABLE canary_probe (v text); INSERT INTO canary_probe VALUES ('"+canary+"')")
		if got := dump().find(canary); len(got) != 1 || got[0] != "public.canary_probe" {
			t.Errorf("a canary planted in a new table was found in %v, want public.canary_probe", got)
		}
	})
}

type canaryRun struct {
	rig     *sigtermRig
	key     string
	dataDir string
	gh      *githubfake.Server
	dbx     *dropboxfake.Server
	// secretSeen counts the token requests that carried the client secret.
	secretSeen atomic.Int64
	// dbFiles must be in the data dir (SQLite's database and its WAL).
	dbFiles []string
	// wire gets every HTTP response mcpgate sent: status, headers, body.
	wire *syncBuffer
}

// newCanaryRun starts the fakes, runs init (with initArgs), connects
// GitHub with the canary and creates an app key, all with the binary.
func newCanaryRun(t *testing.T, env []string, initArgs ...string) *canaryRun {
	ctx := context.Background()
	c := &canaryRun{gh: githubfake.New(canary), wire: &syncBuffer{}}
	t.Cleanup(c.gh.Close)
	c.dbx = dropboxfake.New(dropboxToken, dropboxfake.WithClient(dropboxfake.ClientID, clientSecretCanary), dropboxfake.WithAccessTokenTTL(time.Hour))
	t.Cleanup(c.dbx.Close)
	// In front of Dropbox's token endpoint: counts the requests that
	// carried the client secret, proving it was used.
	target, _ := url.Parse(c.dbx.TokenURL)
	proxy := httputil.NewSingleHostReverseProxy(&url.URL{Scheme: target.Scheme, Host: target.Host})
	tokenFront := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		form, _ := url.ParseQuery(string(body))
		if _, pw, ok := r.BasicAuth(); (ok && pw == clientSecretCanary) || form.Get("client_secret") == clientSecretCanary {
			c.secretSeen.Add(1)
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(tokenFront.Close)
	secretFile := filepath.Join(t.TempDir(), "dropbox-client-secret")
	if err := os.WriteFile(secretFile, []byte(clientSecretCanary+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	listen := freePort(t)
	rig := &sigtermRig{bin: mcpgateBinary(t), listen: listen, record: &syncBuffer{}}
	for _, k := range os.Environ() {
		if !strings.HasPrefix(k, "MCPGATE_") {
			rig.env = append(rig.env, k)
		}
	}
	rig.env = append(rig.env, env...)
	rig.env = append(rig.env,
		"MCPGATE_PUBLIC_URL=http://"+listen,
		"MCPGATE_CONNECTORS_GITHUB_API_URL="+c.gh.URL,
		"MCPGATE_CONNECTORS_DROPBOX_CLIENT_ID="+c.dbx.ClientID,
		"MCPGATE_CONNECTORS_DROPBOX_CLIENT_SECRET_FILE="+secretFile,
		"MCPGATE_CONNECTORS_DROPBOX_AUTH_URL="+c.dbx.AuthURL,
		"MCPGATE_CONNECTORS_DROPBOX_TOKEN_URL="+tokenFront.URL+target.Path,
		"MCPGATE_CONNECTORS_DROPBOX_API_URL="+c.dbx.URL,
	)
	for _, e := range env {
		if v, ok := strings.CutPrefix(e, "MCPGATE_DATA_DIR="); ok {
			c.dataDir = v
		}
	}
	rig.cli(ctx, t, "", append([]string{"init"}, initArgs...)...)
	rig.cli(ctx, t, canary+"\n", "connect", "add", "github", "--token-stdin")
	var created struct {
		Key string `json:"key"`
	}
	if out := rig.cli(ctx, t, "", "key", "create", "--name", "t", "-o", "json"); json.Unmarshal([]byte(out), &created) != nil || created.Key == "" {
		t.Fatalf("key create -o json printed no key: %q", out)
	}
	c.rig, c.key = rig, created.Key
	return c
}

// fetch sends req and records the response in c.wire.
func (c *canaryRun) fetch(t *testing.T, hc *http.Client, req *http.Request) (*http.Response, string) {
	t.Helper()
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var head bytes.Buffer
	resp.Header.Write(&head)
	c.wire.Write([]byte(req.Method + " " + req.URL.Path + " -> " + resp.Proto + " " + resp.Status + "\n" + head.String() + string(b) + "\n"))
	return resp, string(b)
}

func (c *canaryRun) run(t *testing.T, dump func() dbRows) {
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	rig := c.rig
	addr := rig.serve(ctx, t)

	// An OAuth connection through serve's callback, as a browser would.
	out := rig.cli(ctx, t, "", "connect", "add", "dropbox", "--no-wait")
	authURL := regexp.MustCompile(`https?://\S+`).FindString(out)
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.Get(authURL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	req, _ := http.NewRequest(http.MethodGet, resp.Header.Get("Location"), nil)
	_, page := c.fetch(t, noFollow, req)
	m := regexp.MustCompile(`name="token" value="([^"]+)"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no confirmation form from the callback: %s", page)
	}
	req, _ = http.NewRequest(http.MethodPost, "http://"+addr+"/oauth/callback", strings.NewReader(url.Values{"token": {m[1]}, "decision": {"connect"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "http://"+addr)
	if _, page := c.fetch(t, noFollow, req); !strings.Contains(page, "Connected dropbox") {
		t.Fatalf("confirming the Dropbox connection: %s", page)
	}

	// Tool calls, on a client that records every response.
	client := mcp.NewClient(&mcp.Implementation{Name: "mcpgate-e2e-canary", Version: "1"}, nil)
	s, err := client.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: "http://" + addr + "/mcp",
		HTTPClient: &http.Client{Transport: bearerRT{key: c.key, wire: c.wire}, Timeout: 30 * time.Second}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.ListTools(ctx, nil); err != nil {
		t.Fatal(err)
	}
	calls := []struct {
		tool string
		args map[string]any
		fail githubfake.Failure
	}{
		{"github_list_repos", map[string]any{}, githubfake.None},
		{"github_get_file", map[string]any{"owner": "octocat", "repo": "hello-world", "path": "README.md"}, githubfake.None},
		{"github_search_code", map[string]any{"q": "NewClient"}, githubfake.None},
		{"github_get_repo", helloRepo, githubfake.EchoToken},
		{"github_get_repo", helloRepo, githubfake.ServerError},
		{"github_get_repo", helloRepo, githubfake.Garbage},
		{"github_get_repo", helloRepo, githubfake.Hang},
		// A model trying to smuggle the token out through arguments gets
		// nothing: no tool takes or returns credentials.
		{"github_search_issues", map[string]any{"q": "token"}, githubfake.None},
		{"dropbox_list_folder", map[string]any{"path": ""}, githubfake.None},
		{"no_such_tool", map[string]any{}, githubfake.None},
	}
	var results strings.Builder
	for i, call := range calls {
		if i == len(calls)-2 {
			// The access token lapses: this call refreshes it, sending
			// the client secret again.
			c.dbx.ExpireAccessTokens()
		}
		c.gh.FailNext(call.fail, 1)
		r, err := s.CallTool(ctx, &mcp.CallToolParams{Name: call.tool, Arguments: call.args})
		if err != nil {
			results.WriteString(err.Error() + "\n")
			continue
		}
		if call.fail != githubfake.None && !r.IsError {
			t.Errorf("%s with upstream failure %d: not an error result", call.tool, call.fail)
		}
		if call.tool == "dropbox_list_folder" && r.IsError {
			t.Errorf("dropbox_list_folder: %s", text(r))
		}
		results.WriteString(text(r) + "\n")
	}
	c.gh.FailNext(githubfake.None, 0)
	if !strings.Contains(results.String(), "[redacted]") {
		t.Error("the echoed token was not replaced with [redacted]")
	}
	// A wrong key and a request without one: refusals carry headers too.
	for _, k := range []string{c.key + "x", ""} {
		req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/mcp", strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"tools/list"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		if k != "" {
			req.Header.Set("Authorization", "Bearer "+k)
		}
		c.fetch(t, http.DefaultClient, req)
	}
	for _, p := range []string{"/metrics", "/healthz"} {
		req, _ := http.NewRequest(http.MethodGet, "http://"+rig.admin+p, nil)
		if resp, body := c.fetch(t, http.DefaultClient, req); resp.StatusCode != 200 || body == "" {
			t.Errorf("GET %s on the admin listener: %d %q", p, resp.StatusCode, body)
		}
	}

	// Every read-only command that prints state, in both forms.
	for _, args := range [][]string{
		{"connect", "list"}, {"connect", "test", "github"}, {"connect", "test", "dropbox"},
		{"audit", "list", "--limit", "0"}, {"audit", "stats"}, {"audit", "verify"},
		{"vault", "status"}, {"key", "list"}, {"user", "list"}, {"key", "policy", "show", "t"},
	} {
		rig.cli(ctx, t, "", args...)
		rig.cli(ctx, t, "", append(args, "-o", "json")...)
	}
	export := rig.cli(ctx, t, "", "audit", "export")
	rig.cli(ctx, t, "", "audit", "export", "--format", "csv")
	if !strings.Contains(export, "github_get_repo") || !strings.Contains(export, "dropbox_list_folder") {
		t.Errorf("audit export lacks the calls: %s", export)
	}

	// At rest: every file of the data dir, while serve has it open, and
	// every row of every table.
	files := readDataDir(t, c.dataDir, c.dbFiles...)
	rows := dump()

	// serve's own output, through to its last line.
	if err := rig.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-rig.exited:
	case <-time.After(2 * shutdownDeadline):
		t.Fatal("serve did not exit after SIGTERM")
	}

	places := map[string]string{
		"HTTP responses (status, headers, bodies)": c.wire.String(),
		"tool results":   results.String(),
		"serve's stderr": rig.stderr.String(),
		"serve's stdout": rig.stdout.String(),
		"command output": rig.record.String(),
	}
	for name, b := range files {
		places["data dir file "+name] = b
	}
	// It was all there to be found: calls reached the wire, the log and
	// the audit log, and both canaries were used.
	for _, want := range []struct{ place, text string }{
		{"HTTP responses (status, headers, bodies)", "hello-world"},
		{"HTTP responses (status, headers, bodies)", "Content-Type"},
		{"HTTP responses (status, headers, bodies)", "mcpgate_"},
		{"serve's stderr", `"msg"`},
		{"command output", "dropbox_list_folder"},
	} {
		if !strings.Contains(places[want.place], want.text) {
			t.Errorf("%s lacks %q: the scan would pass vacuously", want.place, want.text)
		}
	}
	if got := c.gh.LastHeaders().Get("Authorization"); !strings.Contains(got, canary) {
		t.Errorf("GitHub saw Authorization %q, want the token", got)
	}
	if n := c.secretSeen.Load(); n < 2 {
		t.Errorf("Dropbox's token endpoint got the client secret %d times, want the exchange and the refresh", n)
	}
	for name, secret := range map[string]string{"the GitHub token": canary, "the OAuth client secret": clientSecretCanary} {
		forms := secretForms(secret)
		for where, content := range places {
			for _, f := range forms {
				if strings.Contains(content, f) {
					t.Errorf("%s appears in %s (as %q)", name, where, f)
				}
			}
		}
		if tables := rows.find(forms...); len(tables) > 0 {
			t.Errorf("%s appears in the database, in tables %v", name, tables)
		}
	}
	n := 0
	for _, r := range rows {
		n += len(r)
	}
	t.Logf("scanned %d HTTP bytes, %d log bytes, %d command output bytes, %d data dir files, %d rows of %d tables",
		len(places["HTTP responses (status, headers, bodies)"]), len(places["serve's stderr"]), len(places["command output"]), len(files), n, len(rows))
}

// readDataDir reads every file under dir; one that cannot be read fails
// the test, and so does a data dir without each of want.
func readDataDir(t *testing.T, dir string, want ...string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		files[rel] = string(b)
		return nil
	})
	if err != nil {
		t.Fatalf("read the data dir: %v", err)
	}
	for _, w := range append(want, config.FileName) {
		if _, ok := files[w]; !ok {
			t.Fatalf("the data dir %s holds no %s: %v", dir, w, keys(files))
		}
	}
	return files
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestAuditFailureWithholdsResult breaks the audit table under a running
// gateway: the call must fail, and its result must not reach the model.
func TestAuditFailureWithholdsResult(t *testing.T) {
	g := startGateway(t)
	s := g.session(t)
	breakAudit(t, g)
	r := call(t, s, "github_get_repo", map[string]any{"owner": "octocat", "repo": "hello-world"})
	if !r.IsError || strings.Contains(text(r), "hello-world") {
		t.Fatalf("with the audit log broken: isError=%v text=%q", r.IsError, text(r))
	}
	if !strings.Contains(text(r), "audit") {
		t.Errorf("the error does not say why: %q", text(r))
	}
}
