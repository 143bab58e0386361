//go:build soak

package e2e

// The soak: `make soak` (full) or `make soak SOAK=short` (a few minutes,
// run by .ci/run). Each figure can be set by its environment variable.

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mcpgate/mcpgate/pkg/connector/github/githubfake"
)

// soakInt is the environment variable name as an integer, or full or
// short as MCPGATE_SOAK says ("short" for the short version).
func soakInt(t *testing.T, name string, full, short int) int {
	t.Helper()
	if v := os.Getenv(name); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			t.Fatalf("%s=%q: want a positive integer", name, v)
		}
		return n
	}
	if os.Getenv("MCPGATE_SOAK") == "short" {
		return short
	}
	return full
}

// soakTransport is shared by a soak's clients: enough idle connections
// that 200 clients do not open a new one per call.
var soakTransport = &http.Transport{MaxIdleConns: 1024, MaxIdleConnsPerHost: 1024, IdleConnTimeout: time.Minute}

type keyRT struct{ key string }

func (k keyRT) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+k.key)
	return soakTransport.RoundTrip(r)
}

func soakSession(ctx context.Context, addr, key string) (*mcp.ClientSession, error) {
	client := mcp.NewClient(&mcp.Implementation{Name: "mcpgate-soak", Version: "1"}, nil)
	tr := &mcp.StreamableClientTransport{
		Endpoint:   "http://" + addr + "/mcp",
		HTTPClient: &http.Client{Transport: keyRT{key}, Timeout: 30 * time.Second},
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	return client.Connect(ctx, tr, nil)
}

// rssMiB is the resident set of process pid.
func rssMiB(t *testing.T, pid int) float64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.Atoi(f[1])
			return float64(kb) / 1024
		}
	}
	t.Fatal("no VmRSS")
	return 0
}

// pct is the p-th percentile of sorted durations.
func pct(d []time.Duration, p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	return d[min(len(d)-1, int(float64(len(d))*p))]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000) }

// soakRig is a SQLite install (the default) with GitHub connected and key
// "t", and serve running.
func soakRig(ctx context.Context, t *testing.T, env ...string) (*sigtermRig, string) {
	t.Helper()
	gh := githubfake.New(canary)
	t.Cleanup(gh.Close)
	if len(env) == 0 {
		env = []string{"MCPGATE_DATA_DIR=" + t.TempDir()}
	}
	return newGitHubRig(ctx, t, gh, env...)
}

// Call kinds of the mixed load, and what each must get.
const (
	kindAllowed = iota // github_get_repo: a result
	kindDenied         // github_create_issue, denied by the key: a tool error naming the rule
	kindRated          // github_list_issues at 50/h: a result, or a rate-limit tool error
	kindBadArgs        // github_get_repo with an unknown argument: a tool error naming it
	kinds
)

// TestSoakMixedLoad runs MCPGATE_SOAK_CLIENTS clients (200) for
// MCPGATE_SOAK_SECONDS (60) of mixed calls: allowed, denied,
// rate-limited and with bad arguments. Every call must get exactly the
// answer its kind wants; any other outcome is an unintended error.
func TestSoakMixedLoad(t *testing.T) {
	clients := soakInt(t, "MCPGATE_SOAK_CLIENTS", 200, 50)
	secs := soakInt(t, "MCPGATE_SOAK_SECONDS", 60, 15)
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(secs)*time.Second+5*time.Minute)
	defer cancel()
	rig, key := soakRig(ctx, t)
	rig.cli(ctx, t, "", "key", "update", "t", "--deny", "github_create_issue", "--rate", "github_list_issues=50/h")
	addr := rig.serve(ctx, t)
	pid := rig.cmd.Process.Pid
	rssBefore := rssMiB(t, pid)

	var (
		mu         sync.Mutex
		lat        []time.Duration
		counts     [kinds]atomic.Int64
		unintended atomic.Int64
		wg         sync.WaitGroup
	)
	sessions := make([]*mcp.ClientSession, clients)
	for i := range sessions {
		s, err := soakSession(ctx, addr, key)
		if err != nil {
			t.Fatalf("client %d: %v", i, err)
		}
		defer s.Close()
		sessions[i] = s
	}
	start := time.Now()
	end := start.Add(time.Duration(secs) * time.Second)
	for c, s := range sessions {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			for i := c; time.Now().Before(end); i++ {
				kind := i % kinds
				tool, args := "github_get_repo", map[string]any{"owner": "octocat", "repo": "hello-world"}
				switch kind {
				case kindDenied:
					tool = "github_create_issue"
					args = map[string]any{"owner": "octocat", "repo": "hello-world", "title": fmt.Sprintf("soak-%d-%d", c, i)}
				case kindRated:
					tool = "github_list_issues"
				case kindBadArgs:
					args = map[string]any{"owner": "octocat", "repo": "hello-world", "branch": "main"}
				}
				t0 := time.Now()
				r, err := callErr(ctx, s, tool, args)
				mine = append(mine, time.Since(t0))
				if why := unintended4(kind, r, err); why != "" {
					if unintended.Add(1) <= 5 {
						t.Errorf("client %d, %s: %s", c, tool, why)
					}
					continue
				}
				counts[kind].Add(1)
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	rssAfter := rssMiB(t, pid)
	slices.Sort(lat)
	t.Logf("SOAK mixed: %d clients, %v: %d calls, %.0f calls/s, p50 %s, p99 %s; allowed %d, denied %d, list_issues (50/h) %d, bad arguments %d; unintended errors %d; serve RSS %.1f MiB before, %.1f MiB after",
		clients, elapsed.Round(time.Second), len(lat), float64(len(lat))/elapsed.Seconds(), ms(pct(lat, 0.5)), ms(pct(lat, 0.99)),
		counts[kindAllowed].Load(), counts[kindDenied].Load(), counts[kindRated].Load(), counts[kindBadArgs].Load(),
		unintended.Load(), rssBefore, rssAfter)
	if n := unintended.Load(); n != 0 {
		t.Errorf("%d unintended errors", n)
	}
	if out := rig.cli(ctx, t, "", "audit", "verify"); !strings.HasPrefix(out, "ok: ") {
		t.Errorf("audit verify: %q", out)
	}
}

// unintended4 says what is wrong with the answer to a call of kind, or ""
// if it is the intended one.
func unintended4(kind int, r *mcp.CallToolResult, err error) string {
	if err != nil {
		return "error: " + err.Error()
	}
	msg := text(r)
	switch kind {
	case kindAllowed:
		if r.IsError {
			return "an allowed call failed: " + msg
		}
	case kindDenied:
		if !r.IsError || !strings.Contains(msg, "github_create_issue") {
			return "a denied call got: " + msg
		}
	case kindRated:
		if r.IsError && !strings.Contains(msg, "rate limit 50/h") {
			return "a rate-limited call got: " + msg
		}
	case kindBadArgs:
		if !r.IsError || !strings.Contains(msg, "branch") {
			return "a call with an unknown argument got: " + msg
		}
	}
	return ""
}

// TestSoakKills kills serve with SIGKILL MCPGATE_SOAK_KILLS times (10)
// under load, restarting it each time: every returned result has its
// audit record, the chain verifies, and SQLite's integrity check passes.
func TestSoakKills(t *testing.T) {
	kills := soakInt(t, "MCPGATE_SOAK_KILLS", 10, 3)
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(kills)*time.Minute+2*time.Minute)
	defer cancel()
	dir := t.TempDir()
	rig, key := soakRig(ctx, t, "MCPGATE_DATA_DIR="+dir)
	var returned []string
	for round := range kills {
		returned = append(returned, killDuringCalls(ctx, t, rig, key, fmt.Sprintf("kill-r%d", round), 32, 400)...)
	}
	assertEveryTitleRecorded(t, listAudit(ctx, t, rig), "github_create_issue", returned)
	verify := rig.cli(ctx, t, "", "audit", "verify")
	if !strings.HasPrefix(verify, "ok: ") {
		t.Errorf("audit verify: %q", verify)
	}
	integrity := integrityCheck(t, dir+"/mcpgate.db")
	if integrity != "ok" {
		t.Errorf("PRAGMA integrity_check: %s", integrity)
	}
	t.Logf("SOAK kills: %d SIGKILLs under load, %d results returned, 0 without their audit record; audit verify: %s; integrity_check: %s",
		kills, len(returned), strings.TrimSpace(verify), integrity)
}

func integrityCheck(t *testing.T, path string) string {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var res string
	if err := db.QueryRow("PRAGMA integrity_check").Scan(&res); err != nil {
		t.Fatal(err)
	}
	return res
}
