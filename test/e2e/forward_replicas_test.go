package e2e

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mcpgate/mcpgate/pkg/connector/github/githubfake"
	"github.com/mcpgate/mcpgate/pkg/store/postgres/pgtest"
)

func leaderGauge(t *testing.T, admin string) string {
	t.Helper()
	resp, err := http.Get("http://" + admin + "/metrics")
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "mcpgate_audit_forward_leader ") {
			return strings.TrimPrefix(l, "mcpgate_audit_forward_leader ")
		}
	}
	return ""
}

// TestForwardReplicasOnPostgres runs two `mcpgate serve` processes on one
// PostgreSQL database, both configured to forward: one forwards at a time,
// and when it stops the other takes over from the cursor it left.
func TestForwardReplicasOnPostgres(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	d := pgtest.FreshOwnedDB(t)
	gh := githubfake.New(canary)
	t.Cleanup(gh.Close)
	r := newReceiver(t, []byte("whsec-0123456789abcdef0123456789"))
	secretFile := filepath.Join(t.TempDir(), "webhook.secret")
	if err := os.WriteFile(secretFile, r.secret, 0o600); err != nil {
		t.Fatal(err)
	}
	rig, key := newGitHubRig(ctx, t, gh, "MCPGATE_DATA_DIR="+t.TempDir(),
		"MCPGATE_DATABASE_URL="+d.ServeURL(), "MCPGATE_DATABASE_ADMIN_URL="+d.OwnerURL,
		"MCPGATE_AUDIT_FORWARD_WEBHOOK_URL="+r.srv.URL+"/ingest",
		"MCPGATE_AUDIT_FORWARD_WEBHOOK_SECRET_FILE="+secretFile,
		"MCPGATE_AUDIT_FORWARD_POLL=100ms", "MCPGATE_AUDIT_FORWARD_BATCH=50")
	reps := []*sigtermRig{{bin: rig.bin, env: rig.env}, {bin: rig.bin, env: rig.env}}
	var addrs []string
	for _, rep := range reps {
		addrs = append(addrs, rep.serve(ctx, t))
	}
	calls := 0
	callOn := func(i, n int) {
		s := rig.session(ctx, t, addrs[i], key)
		for range n {
			if res, err := callErr(ctx, s, "github_get_repo", helloRepo); err != nil || res.IsError {
				t.Fatalf("call on replica %d: %v %v", i, err, res)
			}
			calls++
		}
	}
	callOn(0, 20)
	callOn(1, 20)
	waitWithin(t, "the records of both replicas delivered", 20*time.Second, func() bool { return r.count() == calls })

	var leaders []int
	waitWithin(t, "one leader", 10*time.Second, func() bool {
		leaders = nil
		for i, rep := range reps {
			if leaderGauge(t, rep.admin) == "1" {
				leaders = append(leaders, i)
			}
		}
		return len(leaders) == 1
	})
	lead, other := leaders[0], 1-leaders[0]
	t.Logf("replica %d forwards", lead)

	// The forwarding replica stops; the other takes over.
	reps[lead].cmd.Process.Signal(syscall.SIGTERM)
	<-reps[lead].exited
	callOn(other, 20)
	waitWithin(t, "the records after the takeover delivered", 30*time.Second, func() bool { return r.count() == calls })
	if g := leaderGauge(t, reps[other].admin); g != "1" {
		t.Errorf("replica %d's leader gauge after the takeover: %q", other, g)
	}

	r.mu.Lock()
	var first []int64
	seen := map[int64]bool{}
	for _, s := range r.order {
		if !seen[s] {
			seen[s] = true
			first = append(first, s)
		}
	}
	dups := len(r.order) - len(first)
	r.mu.Unlock()
	t.Logf("%d calls, %d deliveries, %d duplicates", calls, len(r.order), dups)
	if !slices.IsSorted(first) || dups > 50 {
		t.Errorf("records out of order or delivered more than once beyond one batch: %v (%d duplicates)", first, dups)
	}
	out := rig.cli(ctx, t, "", "audit", "verify", "--all-users", "--against", r.file)
	t.Logf("verify --against: %s", strings.TrimSpace(out))
}
