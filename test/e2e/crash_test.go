package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mcpgate/mcpgate/pkg/connector/github/githubfake"
)

// TestAuditRecordSurvivesKill kills serve with SIGKILL while many calls are
// in flight, a few times in each SQLite sync mode. Every call carries a
// unique issue title; a result is returned only after its audit record is
// committed, so every title a client got a successful result for has its
// record when the database is opened again, and the chain still verifies.
func TestAuditRecordSurvivesKill(t *testing.T) {
	const (
		rounds  = 15
		callers = 16
		perCall = 200 // calls per caller per round at most
	)
	for _, mode := range []string{"full", "normal"} {
		t.Run("sync="+mode, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			gh := githubfake.New(canary)
			t.Cleanup(gh.Close)
			dir := t.TempDir()
			rig, key := newGitHubRig(ctx, t, gh, "MCPGATE_DATA_DIR="+dir,
				"MCPGATE_DATABASE_URL=sqlite://"+filepath.Join(dir, "mcpgate.db")+"?sync="+mode)

			var returned []string // titles of successful results, every round
			for round := range rounds {
				returned = append(returned, killDuringCalls(ctx, t, rig, key, fmt.Sprintf("%s-r%d", mode, round), callers, perCall)...)
			}

			records := listAudit(ctx, t, rig)
			for _, r := range records {
				var args struct{ Title string }
				if err := json.Unmarshal(r.Arguments, &args); err != nil || r.Tool != "github_create_issue" {
					t.Fatalf("record %s %s %s", r.Tool, r.Outcome, r.Arguments)
				}
			}
			assertEveryTitleRecorded(t, records, "github_create_issue", returned)
			if out := rig.cli(ctx, t, "", "audit", "verify"); !strings.HasPrefix(out, "ok: ") {
				t.Errorf("audit verify after SIGKILL: %q", out)
			}
			t.Logf("%d SIGKILLs, %d returned results, %d records, every returned result recorded", rounds, len(returned), len(records))
		})
	}
}

// killDuringCalls starts serve, has callers create issues with unique
// titles (prefixed) until serve is killed with SIGKILL mid-way, and returns
// the titles whose calls returned a successful result.
func killDuringCalls(ctx context.Context, t *testing.T, rig *sigtermRig, key, prefix string, callers, perCaller int) []string {
	t.Helper()
	addr := rig.serve(ctx, t)
	var (
		mu       sync.Mutex
		returned []string
		ok       atomic.Int64 // successful results so far
		wg       sync.WaitGroup
	)
	for c := range callers {
		s, err := rig.connect(ctx, addr, key)
		if err != nil {
			t.Fatalf("connect: %v", err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer s.Close()
			for i := range perCaller {
				title := fmt.Sprintf("%s-c%d-%d", prefix, c, i)
				res, err := s.CallTool(ctx, &mcp.CallToolParams{Name: "github_create_issue",
					Arguments: map[string]any{"owner": "octocat", "repo": "hello-world", "title": title}})
				if err != nil {
					return // serve is gone
				}
				if !res.IsError {
					mu.Lock()
					returned = append(returned, title)
					mu.Unlock()
					ok.Add(1)
				}
			}
		}()
	}
	// Kill once results are flowing, at a moment that varies between rounds.
	for ok.Load() < int64(callers) {
		select {
		case <-ctx.Done():
			t.Fatalf("round %s: %d results before the deadline", prefix, ok.Load())
		case <-time.After(time.Millisecond):
		}
	}
	time.Sleep(time.Duration(10+rand.IntN(60)) * time.Millisecond)
	if err := rig.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-rig.exited
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	return returned
}
