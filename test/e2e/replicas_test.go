package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mcpgate/mcpgate/pkg/connector/dropbox/dropboxfake"
	"github.com/mcpgate/mcpgate/pkg/connector/github/githubfake"
	"github.com/mcpgate/mcpgate/pkg/store/postgres/pgtest"
)

// replicas is several `mcpgate serve` processes on one PostgreSQL database
// and one data dir's config and KEK, behind HAProxy at Front.
type replicas struct {
	cli   *sigtermRig   // runs the admin commands
	reps  []*sigtermRig // one per serve process
	addrs []string      // each replica's own address
	Front string        // the balancer's address
	Key   string        // the app key "t"
	GH    *githubfake.Server
	DB    *dropboxfake.Server
}

// startReplicas initialises a PostgreSQL install with the binary, connects
// GitHub (the canary token) and creates key "t", starts n replicas and
// HAProxy in front of them. Dropbox's OAuth app points at a fake whose
// access tokens live an hour; public_url is the balancer's.
func startReplicas(ctx context.Context, t *testing.T, n int) *replicas {
	t.Helper()
	haproxyBinary(t)
	d := pgtest.FreshOwnedDB(t)
	gh := githubfake.New(canary)
	t.Cleanup(gh.Close)
	db := dropboxfake.New(dropboxToken, dropboxfake.WithAccessTokenTTL(time.Hour))
	t.Cleanup(db.Close)
	front := freePort(t)
	rig, key := newGitHubRig(ctx, t, gh, "MCPGATE_DATA_DIR="+t.TempDir(),
		"MCPGATE_DATABASE_URL="+d.ServeURL(), "MCPGATE_DATABASE_ADMIN_URL="+d.OwnerURL,
		"MCPGATE_PUBLIC_URL=http://"+front,
		"MCPGATE_CONNECTORS_DROPBOX_CLIENT_ID="+db.ClientID,
		"MCPGATE_CONNECTORS_DROPBOX_CLIENT_SECRET="+db.ClientSecret,
		"MCPGATE_CONNECTORS_DROPBOX_AUTH_URL="+db.AuthURL,
		"MCPGATE_CONNECTORS_DROPBOX_TOKEN_URL="+db.TokenURL,
		"MCPGATE_CONNECTORS_DROPBOX_API_URL="+db.URL)
	rs := &replicas{cli: rig, Front: front, Key: key, GH: gh, DB: db}
	for range n {
		r := &sigtermRig{bin: rig.bin, env: rig.env}
		rs.addrs = append(rs.addrs, r.serve(ctx, t))
		rs.reps = append(rs.reps, r)
	}
	startHAProxy(ctx, t, front, rs.addrs)
	return rs
}

// keyCreate makes an app key with the given flags and returns it.
func (rs *replicas) keyCreate(ctx context.Context, t *testing.T, name string, flags ...string) string {
	t.Helper()
	var created struct {
		Key string `json:"key"`
	}
	out := rs.cli.cli(ctx, t, "", append([]string{"key", "create", "--name", name, "-o", "json"}, flags...)...)
	if json.Unmarshal([]byte(out), &created) != nil || created.Key == "" {
		t.Fatalf("key create: %q", out)
	}
	return created.Key
}

// sessions opens one session with key on each replica, directly.
func (rs *replicas) sessions(ctx context.Context, t *testing.T, key string) []*mcp.ClientSession {
	t.Helper()
	var ss []*mcp.ClientSession
	for _, a := range rs.addrs {
		ss = append(ss, rs.cli.session(ctx, t, a, key))
	}
	return ss
}

func callErr(ctx context.Context, s *mcp.ClientSession, tool string, args map[string]any) (*mcp.CallToolResult, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	return s.CallTool(ctx, &mcp.CallToolParams{Name: tool, Arguments: args})
}

// TestReplicasBehindHAProxy runs three `mcpgate serve` processes on one
// PostgreSQL database behind HAProxy, as an install that outgrew one box
// would. What the admin commands change is honoured by every replica on
// its very next request (each replica's cache is warm when the change is
// made), a rate limit counts calls on all replicas, an expired OAuth token
// is refreshed once however many replicas need it, and a replica killed
// with SIGKILL under load loses no audit record of a returned result.
func TestReplicasBehindHAProxy(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	rs := startReplicas(ctx, t, 3)

	t.Run("revoked key", func(t *testing.T) {
		key := rs.keyCreate(ctx, t, "revoked")
		ss := rs.sessions(ctx, t, key)
		for i, s := range ss {
			if r, err := callErr(ctx, s, "github_get_repo", helloRepo); err != nil || r.IsError {
				t.Fatalf("replica %d before the revocation: %v %v", i, err, r)
			}
		}
		rs.cli.cli(ctx, t, "", "key", "revoke", "revoked")
		for i, s := range ss {
			if r, err := callErr(ctx, s, "github_get_repo", helloRepo); err == nil {
				t.Errorf("replica %d ran a call with a revoked key: %s", i, text(r))
			}
		}
	})

	t.Run("policy change", func(t *testing.T) {
		key := rs.keyCreate(ctx, t, "policy")
		ss := rs.sessions(ctx, t, key)
		for i, s := range ss {
			if r, err := callErr(ctx, s, "github_get_repo", helloRepo); err != nil || r.IsError {
				t.Fatalf("replica %d before the policy change: %v %v", i, err, r)
			}
		}
		rs.cli.cli(ctx, t, "", "key", "update", "policy", "--deny", "github_get_repo")
		for i, s := range ss {
			r, err := callErr(ctx, s, "github_get_repo", helloRepo)
			if err != nil || !r.IsError || !strings.Contains(text(r), "github_get_repo") {
				t.Errorf("replica %d after --deny github_get_repo: err=%v result=%v", i, err, r)
			}
		}
	})

	t.Run("rate limit", func(t *testing.T) {
		const limit = 6
		key := rs.keyCreate(ctx, t, "rated", "--rate", fmt.Sprintf("github_get_repo=%d/h", limit))
		var allowed, limited atomic.Int64
		var wg sync.WaitGroup
		for c := range 6 { // 6 clients through the balancer, 4 calls each
			wg.Add(1)
			go func() {
				defer wg.Done()
				s, err := rs.cli.connect(ctx, rs.Front, key)
				if err != nil {
					t.Errorf("client %d: %v", c, err)
					return
				}
				defer s.Close()
				for range 4 {
					r, err := callErr(ctx, s, "github_get_repo", helloRepo)
					switch {
					case err != nil:
						t.Errorf("client %d: %v", c, err)
					case !r.IsError:
						allowed.Add(1)
					case strings.Contains(text(r), fmt.Sprintf("rate limit %d/h", limit)):
						limited.Add(1)
					default:
						t.Errorf("client %d: %s", c, text(r))
					}
				}
			}()
		}
		wg.Wait()
		if allowed.Load() != limit || limited.Load() != 24-limit {
			t.Errorf("%d allowed and %d rate-limited of 24 calls across 3 replicas, want %d and %d",
				allowed.Load(), limited.Load(), limit, 24-limit)
		}
	})

	t.Run("oauth refresh once", func(t *testing.T) {
		connectDropboxThroughBalancer(ctx, t, rs)
		var sessions []*mcp.ClientSession
		for range 4 { // four clients on each replica
			sessions = append(sessions, rs.sessions(ctx, t, rs.Key)...)
		}
		for _, s := range sessions[:3] { // every replica has the token in hand
			if r, err := callErr(ctx, s, "dropbox_list_folder", map[string]any{"path": ""}); err != nil || r.IsError {
				t.Fatalf("list_folder: %v %v", err, r)
			}
		}
		rs.DB.ExpireAccessTokens()
		before := rs.DB.Refreshes()
		var wg sync.WaitGroup
		for _, s := range sessions {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range 3 {
					if r, err := callErr(ctx, s, "dropbox_list_folder", map[string]any{"path": ""}); err != nil || r.IsError {
						t.Errorf("list_folder after expiry: %v %v", err, r)
					}
				}
			}()
		}
		wg.Wait()
		if n := rs.DB.Refreshes() - before; n != 1 {
			t.Errorf("%d refreshes of one expired token by %d clients on 3 replicas, want 1", n, len(sessions))
		}
	})

	t.Run("replica killed under load", func(t *testing.T) {
		returned, afterKill := killReplicaUnderLoad(ctx, t, rs, rs.Key)
		if afterKill < 50 {
			t.Errorf("only %d results after a replica was killed: the balancer did not move on", afterKill)
		}
		assertEveryTitleRecorded(t, listAudit(ctx, t, rs.cli), "github_create_issue", returned)
		if out := rs.cli.cli(ctx, t, "", "audit", "verify"); !strings.HasPrefix(out, "ok: ") {
			t.Errorf("audit verify after a SIGKILL: %q", out)
		}
		t.Logf("%d results returned, %d of them after the SIGKILL, each with its audit record", len(returned), afterKill)
	})

	// Last, as it takes GitHub from every key.
	t.Run("connection removed", func(t *testing.T) {
		var ss []*mcp.ClientSession
		for i, a := range rs.addrs[1:] { // replica 0 was killed
			s := rs.cli.session(ctx, t, a, rs.Key)
			if r, err := callErr(ctx, s, "github_get_repo", helloRepo); err != nil || r.IsError {
				t.Fatalf("replica %d before the removal: %v %v", i+1, err, r)
			}
			ss = append(ss, s)
		}
		rs.cli.cli(ctx, t, "", "connect", "remove", "github", "--keep-remote", "--yes")
		before := rs.GH.Requests()
		for i, s := range ss {
			r, err := callErr(ctx, s, "github_get_repo", helloRepo)
			if err == nil && !r.IsError {
				t.Errorf("replica %d still calls GitHub through a removed connection", i+1)
			}
		}
		if n := rs.GH.Requests() - before; n != 0 {
			t.Errorf("%d requests reached GitHub after its connection was removed", n)
		}
	})
}

// connectDropboxThroughBalancer runs `connect add dropbox --no-wait` and
// completes the flow as a browser would, through the balancer (public_url):
// the fake provider approves at once, and the confirmation page is posted.
func connectDropboxThroughBalancer(ctx context.Context, t *testing.T, rs *replicas) {
	t.Helper()
	out := rs.cli.cli(ctx, t, "", "connect", "add", "dropbox", "--no-wait")
	authURL := regexp.MustCompile(`https?://\S+`).FindString(out)
	if authURL == "" {
		t.Fatalf("connect add --no-wait printed no URL: %q", out)
	}
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar, Timeout: 30 * time.Second}
	resp, err := hc.Get(authURL)
	if err != nil {
		t.Fatal(err)
	}
	page := readAll(t, resp)
	token := regexp.MustCompile(`name="token" value="([^"]+)"`).FindStringSubmatch(page)
	action := regexp.MustCompile(`action="([^"]+)"`).FindStringSubmatch(page)
	if token == nil || action == nil {
		t.Fatalf("no confirmation form at %s: %s", resp.Request.URL, page)
	}
	target, err := resp.Request.URL.Parse(strings.ReplaceAll(action[1], "&amp;", "&"))
	if err != nil {
		t.Fatal(err)
	}
	resp, err = hc.PostForm(target.String(), url.Values{"token": {token[1]}, "decision": {"connect"}})
	if err != nil {
		t.Fatal(err)
	}
	if page := readAll(t, resp); !strings.Contains(page, "Connected dropbox as "+dropboxfake.Email) {
		t.Fatalf("after Connect: %d %s", resp.StatusCode, page)
	}
}

func readAll(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// killReplicaUnderLoad has 16 clients create issues with unique titles
// through the balancer, kills replica 0 with SIGKILL once results flow,
// keeps the load on until 200 more results came back, and returns the
// titles of every successful result and how many came after the kill. A
// client whose call fails (it was on the killed replica) opens a new
// session through the balancer and goes on.
func killReplicaUnderLoad(ctx context.Context, t *testing.T, rs *replicas, key string) ([]string, int) {
	t.Helper()
	const callers = 16
	var (
		mu        sync.Mutex
		returned  []string
		ok, after atomic.Int64
		killed    atomic.Bool
		failed    atomic.Int64
		stop      = make(chan struct{})
		wg        sync.WaitGroup
	)
	for c := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var s *mcp.ClientSession
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				if s == nil {
					var err error
					if s, err = rs.cli.connect(ctx, rs.Front, key); err != nil {
						failed.Add(1)
						time.Sleep(50 * time.Millisecond)
						continue
					}
					defer s.Close()
				}
				title := fmt.Sprintf("kill-c%d-%d", c, i)
				r, err := callErr(ctx, s, "github_create_issue", map[string]any{"owner": "octocat", "repo": "hello-world", "title": title})
				if err != nil {
					failed.Add(1)
					s = nil
					continue
				}
				if r.IsError {
					t.Errorf("create_issue: %s", text(r))
					continue
				}
				mu.Lock()
				returned = append(returned, title)
				mu.Unlock()
				ok.Add(1)
				if killed.Load() {
					after.Add(1)
				}
			}
		}()
	}
	waitFor := func(what string, cond func() bool) {
		for !cond() {
			select {
			case <-ctx.Done():
				close(stop)
				wg.Wait()
				t.Fatalf("%s: only %d results (%d after the kill, %d failed calls)", what, ok.Load(), after.Load(), failed.Load())
			case <-time.After(5 * time.Millisecond):
			}
		}
	}
	waitFor("before the kill", func() bool { return ok.Load() >= 100 })
	if err := rs.reps[0].cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	killed.Store(true)
	<-rs.reps[0].exited
	waitFor("after the kill", func() bool { return after.Load() >= 200 })
	close(stop)
	wg.Wait()
	t.Logf("%d calls failed while replica 0 died", failed.Load())
	mu.Lock()
	defer mu.Unlock()
	return returned, int(after.Load())
}

// auditRecord is what audit list -o json says of one call.
type auditRecord struct {
	Tool, Outcome string
	Arguments     json.RawMessage
}

// listAudit lists every audit record through the CLI.
func listAudit(ctx context.Context, t *testing.T, rig *sigtermRig) []auditRecord {
	t.Helper()
	var records []auditRecord
	if out := rig.cli(ctx, t, "", "audit", "list", "--limit", "0", "-o", "json"); json.Unmarshal([]byte(out), &records) != nil {
		t.Fatalf("audit list -o json: %q", out)
	}
	return records
}

// assertEveryTitleRecorded wants an ok record of tool among records for
// every title a client got a successful result for.
func assertEveryTitleRecorded(t *testing.T, records []auditRecord, tool string, returned []string) {
	t.Helper()
	recorded := map[string]bool{}
	for _, r := range records {
		var args struct{ Title string }
		if r.Tool == tool && r.Outcome == "ok" && json.Unmarshal(r.Arguments, &args) == nil {
			recorded[args.Title] = true
		}
	}
	lost := 0
	for _, title := range returned {
		if !recorded[title] {
			lost++
			if lost <= 5 {
				t.Errorf("a result for %q was returned, but no ok audit record of it exists", title)
			}
		}
	}
	if lost > 0 {
		t.Fatalf("%d of %d returned results have no audit record", lost, len(returned))
	}
}
