package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mcpgate/mcpgate/pkg/connector/github/githubfake"
)

// shutdownDeadline is limits.shutdown_timeout for the served process.
const shutdownDeadline = 10 * time.Second

// TestShutdownOnSIGTERMFinishesInFlightCall runs the real binary as a
// service manager would and stops it with SIGTERM while a tool call waits
// on a slow GitHub: the listener stops taking connections at once, the
// call still gets its answer and its audit record, and the process exits
// 0 within the shutdown deadline, having logged it in JSON without keys.
func TestShutdownOnSIGTERMFinishesInFlightCall(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	gh := githubfake.New(canary)
	t.Cleanup(gh.Close)
	rig, key := newGitHubRig(ctx, t, gh, "MCPGATE_DATA_DIR="+t.TempDir())

	addr := rig.serve(ctx, t)
	sess := rig.session(ctx, t, addr, key)
	if _, err := rig.connect(ctx, addr, key+"x"); err == nil {
		t.Fatal("a wrong key was accepted")
	}

	before := gh.Requests()
	gh.FailNext(githubfake.Hang, 1)
	type outcome struct {
		res *mcp.CallToolResult
		err error
	}
	done := make(chan outcome, 1)
	callStart := time.Now()
	go func() {
		res, err := sess.CallTool(ctx, &mcp.CallToolParams{Name: "github_get_repo", Arguments: map[string]any{"owner": "octocat", "repo": "hello-world"}})
		done <- outcome{res, err}
	}()
	for gh.Requests() == before {
		if ctx.Err() != nil || time.Since(callStart) > 10*time.Second {
			t.Fatal("the tool call never reached the fake GitHub")
		}
		time.Sleep(5 * time.Millisecond)
	}

	sigAt := time.Now()
	if err := rig.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	refusedAfter := waitRefused(ctx, t, addr)
	select {
	case <-done:
		t.Fatalf("the in-flight call ended before new connections were refused; the test proves nothing")
	default:
	}
	t.Logf("new connections refused %v after SIGTERM, with the call still in flight", refusedAfter.Round(time.Millisecond))

	var o outcome
	select {
	case o = <-done:
	case <-time.After(shutdownDeadline):
		t.Fatal("the in-flight call got no answer within the shutdown deadline")
	}
	if o.err != nil {
		t.Fatalf("the in-flight call failed instead of being finished: %v", o.err)
	}
	if !o.res.IsError || !strings.Contains(text(o.res), "did not answer in time") {
		t.Errorf("in-flight call result: isError=%v text=%q; want the upstream timeout as a tool error", o.res.IsError, text(o.res))
	}
	t.Logf("in-flight call answered %v after it started", time.Since(callStart).Round(time.Millisecond))

	select {
	case <-rig.exited:
		if err := rig.exitErr; err != nil {
			t.Errorf("serve exited with %v after SIGTERM, want status 0\nstderr:\n%s", err, rig.stderr)
		}
		t.Logf("serve exited %v after SIGTERM", time.Since(sigAt).Round(time.Millisecond))
	case <-time.After(shutdownDeadline - time.Since(sigAt)):
		t.Fatalf("serve still running %v after SIGTERM\nstderr:\n%s", shutdownDeadline, rig.stderr)
	}

	var records []struct{ Tool, Outcome, Error string }
	if out := rig.cli(ctx, t, "", "audit", "list", "-o", "json"); json.Unmarshal([]byte(out), &records) != nil {
		t.Fatalf("audit list -o json: %q", out)
	}
	if len(records) != 1 || records[0].Tool != "github_get_repo" || records[0].Outcome != "error" || !strings.Contains(records[0].Error, "did not answer in time") {
		t.Errorf("audit records = %+v, want the one in-flight github_get_repo call with its timeout", records)
	}

	checkShutdownLogs(t, rig.stderr.String(), key)
}

// checkShutdownLogs wants every stderr line to be a JSON log record, one of
// them "shutting down", and no app key or GitHub token anywhere.
func checkShutdownLogs(t *testing.T, stderr, key string) {
	t.Helper()
	msgs := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(stderr), "\n") {
		var rec struct {
			Msg string `json:"msg"`
		}
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Errorf("stderr line is not JSON (%v): %q", err, line)
		}
		msgs[rec.Msg] = true
	}
	for _, want := range []string{"shutting down", "mcpgate stopped"} {
		if !msgs[want] {
			t.Errorf("the log lacks %q:\n%s", want, stderr)
		}
	}
	if loc := regexp.MustCompile(`mgw_[A-Za-z0-9]`).FindStringIndex(stderr); loc != nil || strings.Contains(stderr, key) {
		t.Errorf("an app key appears in the log at %v:\n%s", loc, stderr)
	}
	if strings.Contains(stderr, canary) {
		t.Errorf("the GitHub token appears in the log")
	}
}

// newGitHubRig initialises a data dir with the binary (env sets at least
// MCPGATE_DATA_DIR), connects GitHub at gh with the canary token and
// creates an app key, which it returns.
func newGitHubRig(ctx context.Context, t *testing.T, gh *githubfake.Server, env ...string) (*sigtermRig, string) {
	t.Helper()
	rig := &sigtermRig{bin: mcpgateBinary(t), env: append(env, "MCPGATE_CONNECTORS_GITHUB_API_URL="+gh.URL)}
	for _, k := range os.Environ() {
		if !strings.HasPrefix(k, "MCPGATE_") {
			rig.env = append(rig.env, k)
		}
	}
	rig.cli(ctx, t, "", "init")
	rig.cli(ctx, t, canary+"\n", "connect", "add", "github", "--token-stdin")
	var created struct {
		Key string `json:"key"`
	}
	if out := rig.cli(ctx, t, "", "key", "create", "--name", "t", "-o", "json"); json.Unmarshal([]byte(out), &created) != nil || created.Key == "" {
		t.Fatalf("key create -o json printed no key: %q", out)
	}
	return rig, created.Key
}

// sigtermRig drives the mcpgate binary on one data dir.
type sigtermRig struct {
	bin     string
	env     []string
	cmd     *exec.Cmd     // serve
	exited  chan struct{} // closed when serve has exited
	exitErr error         // serve's exit, once exited is closed
	stderr  *syncBuffer   // serve's
	stdout  *syncBuffer   // serve's
	listen  string        // serve's address, if set before serve; else a free port
	admin   string        // serve's admin listener, once serving
	// record, if set, gets every command's arguments, stdout and stderr.
	record *syncBuffer
}

// cli runs a command to completion with stdin and returns its stdout.
func (r *sigtermRig) cli(ctx context.Context, t *testing.T, stdin string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, r.bin, args...)
	cmd.Env, cmd.Stdin = r.env, strings.NewReader(stdin)
	var stderr syncBuffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if r.record != nil {
		fmt.Fprintf(r.record, "$ mcpgate %s\n%s%s", strings.Join(args, " "), out, stderr.String())
	}
	if err != nil {
		t.Fatalf("mcpgate %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return string(out)
}

// serve starts `mcpgate serve` on loopback and waits for /healthz.
func (r *sigtermRig) serve(ctx context.Context, t *testing.T) string {
	t.Helper()
	addr := r.listen
	if addr == "" {
		addr = freePort(t)
	}
	r.admin = freePort(t)
	r.cmd = exec.Command(r.bin, "serve")
	r.cmd.Env = append(r.env,
		"MCPGATE_LISTEN="+addr,
		"MCPGATE_ADMIN_LISTEN="+r.admin,
		"MCPGATE_LIMITS_UPSTREAM_TIMEOUT=3s",
		"MCPGATE_LIMITS_SHUTDOWN_TIMEOUT="+shutdownDeadline.String(),
		"MCPGATE_LOG_LEVEL=debug",
	)
	r.stderr, r.stdout = &syncBuffer{}, &syncBuffer{}
	r.cmd.Stderr, r.cmd.Stdout = r.stderr, r.stdout
	r.cmd.WaitDelay = 5 * time.Second
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	r.exited = make(chan struct{})
	go func() {
		r.exitErr = r.cmd.Wait()
		close(r.exited)
	}()
	t.Cleanup(func() {
		_ = r.cmd.Process.Kill()
		<-r.exited
	})
	hc := &http.Client{Timeout: 2 * time.Second}
	for {
		resp, err := hc.Get("http://" + addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return addr
			}
		}
		select {
		case <-r.exited:
			t.Fatalf("serve exited before it was healthy: %v\n%s", r.exitErr, r.stderr)
		case <-ctx.Done():
			t.Fatalf("serve not healthy: %v\n%s", err, r.stderr)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// session opens a go-sdk client session with the key.
func (r *sigtermRig) session(ctx context.Context, t *testing.T, addr, key string) *mcp.ClientSession {
	t.Helper()
	s, err := r.connect(ctx, addr, key)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func (r *sigtermRig) connect(ctx context.Context, addr, key string) (*mcp.ClientSession, error) {
	client := mcp.NewClient(&mcp.Implementation{Name: "mcpgate-e2e-shutdown", Version: "1"}, nil)
	tr := &mcp.StreamableClientTransport{
		Endpoint:   "http://" + addr + "/mcp",
		HTTPClient: &http.Client{Transport: bearerRT{key: key}, Timeout: 30 * time.Second},
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	return client.Connect(ctx, tr, nil)
}

// waitRefused opens new connections to addr until one is refused, and
// returns how long that took.
func waitRefused(ctx context.Context, t *testing.T, addr string) time.Duration {
	t.Helper()
	start := time.Now()
	for {
		hc := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
		resp, err := hc.Get("http://" + addr + "/healthz")
		if err == nil {
			resp.Body.Close()
		}
		if errors.Is(err, syscall.ECONNREFUSED) {
			return time.Since(start)
		}
		if ctx.Err() != nil || time.Since(start) > 2*time.Second {
			t.Fatalf("new requests still not refused %v after SIGTERM (last: %v)", time.Since(start), err)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
