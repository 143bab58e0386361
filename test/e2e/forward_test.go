package e2e

import (
	"bufio"
	"bytes"
	"context"
	"crypto/hmac"
	"database/sql"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mcpgate/mcpgate/pkg/auditfwd"
	"github.com/mcpgate/mcpgate/pkg/secret"
	"github.com/mcpgate/mcpgate/pkg/store"
)

// receiver is a SIEM's webhook endpoint: it checks each body's signature,
// writes the bodies it accepts as JSON lines to a file, as a SIEM keeps
// them, and notes when each record arrived. While down it answers 503.
type receiver struct {
	srv    *httptest.Server
	secret []byte
	file   string
	down   atomic.Bool

	mu      sync.Mutex
	arrived map[int64]time.Time // seq -> first receipt
	lag     []time.Duration     // first receipt - the record's time
	order   []int64             // seqs as received, duplicates included
	byUser  map[string][]int64  // the same, per user
	badSigs int
}

func newReceiver(t *testing.T, secret []byte) *receiver {
	r := &receiver{secret: secret, file: filepath.Join(t.TempDir(), "siem.jsonl"), arrived: map[int64]time.Time{}}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if r.down.Load() {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		body, err := io.ReadAll(req.Body)
		if err != nil {
			http.Error(w, "read", http.StatusBadRequest)
			return
		}
		got := req.Header.Get(auditfwd.SignatureHeader)
		if !hmac.Equal([]byte(got), []byte(auditfwd.Sign(r.secret, body))) {
			r.mu.Lock()
			r.badSigs++
			r.mu.Unlock()
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		var b auditfwd.Batch
		if err := json.Unmarshal(body, &b); err != nil {
			http.Error(w, "bad body", http.StatusBadRequest)
			return
		}
		now := time.Now()
		r.mu.Lock()
		defer r.mu.Unlock()
		f, err := os.OpenFile(r.file, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
		if err != nil {
			http.Error(w, "store", http.StatusInternalServerError)
			return
		}
		defer f.Close()
		f.Write(append(body, '\n'))
		for _, rec := range b.Records {
			if _, ok := r.arrived[rec.Seq]; !ok {
				r.arrived[rec.Seq] = now
				if at, err := time.Parse(time.RFC3339Nano, rec.Time); err == nil {
					r.lag = append(r.lag, now.Sub(at))
				}
			}
			r.order = append(r.order, rec.Seq)
			if r.byUser == nil {
				r.byUser = map[string][]int64{}
			}
			r.byUser[rec.UserID] = append(r.byUser[rec.UserID], rec.Seq)
		}
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.arrived)
}

func forwardEnv(t *testing.T, r *receiver) []string {
	secretFile := filepath.Join(t.TempDir(), "webhook.secret")
	if err := os.WriteFile(secretFile, append(r.secret, '\n'), 0o600); err != nil {
		t.Fatal(err)
	}
	return []string{
		"MCPGATE_AUDIT_FORWARD_WEBHOOK_URL=" + r.srv.URL + "/ingest",
		"MCPGATE_AUDIT_FORWARD_WEBHOOK_SECRET_FILE=" + secretFile,
		"MCPGATE_AUDIT_FORWARD_POLL=100ms",
		"MCPGATE_AUDIT_FORWARD_MAX_BACKOFF=400ms",
		"MCPGATE_AUDIT_FORWARD_BATCH=50",
	}
}

// localSeqs are the owner's audit records' seqs, oldest first.
func localSeqs(t *testing.T, g *gw) []int64 {
	t.Helper()
	var out []int64
	err := g.App.Store.User(g.Owner.ID).EachAudit(context.Background(), store.AuditFilter{Ascending: true}, func(r store.AuditRecord) error {
		out = append(out, r.Seq)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func waitWithin(t *testing.T, what string, d time.Duration, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", d, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func metric(t *testing.T, g *gw, name string) string {
	t.Helper()
	resp, err := http.Get(g.Admin + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), name+" ") || strings.HasPrefix(sc.Text(), name+"{") {
			return sc.Text()
		}
	}
	return ""
}

// runCLI runs the real binary on the gateway's data dir.
func runCLI(t *testing.T, g *gw, env []string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(mcpgateBinary(t), args...)
	cmd.Env = append(append(os.Environ(), "MCPGATE_DATA_DIR="+g.Config.DataDir), env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

// deleteNewest deletes the owner's newest n audit records behind
// mcpgate's back, as someone covering their tracks would.
func deleteNewest(t *testing.T, g *gw, n int) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+g.DBPath+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`DELETE FROM audit_records WHERE seq IN (SELECT seq FROM audit_records ORDER BY seq DESC LIMIT ?)`, n); err != nil {
		t.Fatal(err)
	}
}

func callN(t *testing.T, g *gw, n int) {
	t.Helper()
	s := g.session(t)
	for range n {
		call(t, s, "github_get_repo", map[string]any{"owner": "octocat", "repo": "hello-world"})
	}
}

// checkDelivered asserts every local record of every user reached the
// receiver, that each user's records first arrived in seq order, and that
// duplicates stay within one batch.
func checkDelivered(t *testing.T, g *gw, r *receiver) {
	t.Helper()
	users, err := g.App.Store.Privileged().ListUsers(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var local int
	for _, u := range users {
		err := g.App.Store.User(u.ID).EachAudit(context.Background(), store.AuditFilter{Ascending: true}, func(rec store.AuditRecord) error {
			local++
			r.mu.Lock()
			_, ok := r.arrived[rec.Seq]
			r.mu.Unlock()
			if !ok {
				t.Errorf("record %d of %s never reached the receiver", rec.Seq, u.Name)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	distinct := 0
	for uid, seqs := range r.byUser {
		var first []int64
		seen := map[int64]bool{}
		for _, s := range seqs {
			if !seen[s] {
				seen[s] = true
				first = append(first, s)
			}
		}
		distinct += len(first)
		if !slices.IsSorted(first) {
			t.Errorf("records of user %s first arrived out of order: %v", uid, first)
		}
	}
	dups := len(r.order) - distinct
	t.Logf("%d local records of %d user(s), %d deliveries of %d distinct records (%d duplicates)", local, len(r.byUser), len(r.order), distinct, dups)
	// At least once: a batch delivered just before a stop may come
	// again, never more than that.
	if dups > 50 {
		t.Errorf("%d duplicates: more than one batch was delivered twice", dups)
	}
}

// addCaller adds a user with its own GitHub connection and key, and
// returns a session of that key.
func addCaller(t *testing.T, g *gw, name string) func() *mcp.ClientSession {
	t.Helper()
	ctx := context.Background()
	u, err := g.App.AddUser(ctx, name, false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := g.App.AddTokenConnection(ctx, u, "github", "github", secret.FromString(canary)); err != nil {
		t.Fatal(err)
	}
	raw, _, err := g.App.CreateKey(ctx, u, name, nil)
	if err != nil {
		t.Fatal(err)
	}
	return func() *mcp.ClientSession {
		s, err := g.connect(t, raw.Reveal())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
}

func TestForwardWebhookOutageRestartAndVerifyAgainst(t *testing.T) {
	r := newReceiver(t, []byte("whsec-0123456789abcdef0123456789"))
	env := forwardEnv(t, r)
	r.down.Store(true)
	g := startGateway(t, env...)
	bob := addCaller(t, g, "bob")

	// The SIEM is down: records pile up, the backlog shows.
	callN(t, g, 20)
	for range 10 {
		call(t, bob(), "github_get_repo", map[string]any{"owner": "octocat", "repo": "hello-world"})
	}
	waitWithin(t, "a failed delivery", 5*time.Second, func() bool {
		return metric(t, g, `mcpgate_audit_forward_failures_total{sink="webhook"}`) != ""
	})
	waitWithin(t, "the backlog in /metrics", 5*time.Second, func() bool {
		return metric(t, g, `mcpgate_audit_forward_backlog{sink="webhook"}`) == `mcpgate_audit_forward_backlog{sink="webhook"} 30`
	})
	out, err := runCLI(t, g, env, "audit", "stats", "--all-users")
	if err != nil || !strings.Contains(out, "forwarding to webhook: 30 record(s) not yet delivered") {
		t.Fatalf("audit stats: %v\n%s", err, out)
	}
	if r.count() != 0 {
		t.Fatalf("the receiver got %d records while down", r.count())
	}

	// Back up: everything arrives.
	r.down.Store(false)
	t.Cleanup(func() {
		if t.Failed() {
			for _, l := range strings.Split(g.Logs.String(), "\n") {
				if strings.Contains(l, "forward") {
					t.Log(l)
				}
			}
		}
	})
	waitWithin(t, "the backlog delivered", 10*time.Second, func() bool { return r.count() == 30 })

	// Restarted mid-stream: the cursor in the database carries on.
	s, sb := g.session(t), bob()
	for i := range 40 {
		call(t, s, "github_get_repo", map[string]any{"owner": "octocat", "repo": "hello-world"})
		call(t, sb, "github_get_repo", map[string]any{"owner": "octocat", "repo": "hello-world"})
		if i == 20 {
			g.restart(t)
			s, sb = g.session(t), bob()
		}
	}
	waitWithin(t, "every record delivered", 10*time.Second, func() bool { return r.count() == 110 })
	checkDelivered(t, g, r)
	if r.badSigs != 0 {
		t.Errorf("%d bodies had a bad signature", r.badSigs)
	}
	raw, _ := os.ReadFile(r.file)
	if strings.Contains(string(raw), canary) {
		t.Fatal("the forwarded stream holds the credential")
	}

	// The local log holds everything the SIEM saw.
	g.stop()
	out, err = runCLI(t, g, nil, readmeVerify(t, "webhook", r.file)...)
	if err != nil {
		t.Fatalf("verify --against an intact log: %v\n%s", err, out)
	}
	t.Logf("verify --against: %s", strings.TrimSpace(out))

	// Records the SIEM has that a prune deleted since are accounted for
	// by the prune anchor.
	var middle time.Time
	err = g.App.Store.User(g.Owner.ID).EachAudit(context.Background(), store.AuditFilter{Ascending: true, Limit: 30}, func(rec store.AuditRecord) error {
		middle = rec.Time
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n, err := g.App.PruneAudit(context.Background(), []store.User{g.Owner}, middle); err != nil || n == 0 {
		t.Fatalf("prune: %d, %v", n, err)
	}
	out, err = runCLI(t, g, nil, "audit", "verify", "--all-users", "--against", r.file)
	if err != nil {
		t.Fatalf("verify --against a pruned log: %v\n%s", err, out)
	}

	// A forged checkpoint (its hash changed) is refused by its signature.
	forged := filepath.Join(t.TempDir(), "forged.jsonl")
	lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
	var last auditfwd.Batch
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &last); err != nil {
		t.Fatal(err)
	}
	last.Checkpoints[0].Seq += 1000
	fb, _ := json.Marshal(last)
	os.WriteFile(forged, []byte(string(raw)+string(fb)+"\n"), 0o600)
	out, err = runCLI(t, g, nil, "audit", "verify", "--all-users", "--against", forged)
	if err == nil || !strings.Contains(out, "signature does not verify") {
		t.Fatalf("verify --against a forged checkpoint: %v\n%s", err, out)
	}

	// The newest record edited locally: detected.
	db, err := sql.Open("sqlite", "file:"+g.DBPath+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`UPDATE audit_records SET outcome = 'error' WHERE seq = (SELECT MAX(seq) FROM audit_records)`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	out, err = runCLI(t, g, nil, "audit", "verify", "--all-users", "--against", r.file)
	if err == nil || !strings.Contains(out, "tampered") {
		t.Fatalf("verify --against an edited log: %v\n%s", err, out)
	}
	t.Logf("verify --against after an edit: %s", strings.TrimSpace(out))

	// The newest records deleted locally: detected.
	deleteNewest(t, g, 3)
	out, err = runCLI(t, g, nil, "audit", "verify", "--all-users", "--against", r.file)
	if err == nil || !strings.Contains(out, "tampered") {
		t.Fatalf("verify --against a truncated log: %v\n%s", err, out)
	}
	t.Logf("verify --against after truncation: %s", strings.TrimSpace(out))
}

func TestForwardOneReplicaAtATime(t *testing.T) {
	r := newReceiver(t, []byte("whsec-0123456789abcdef0123456789"))
	g := startGateway(t, forwardEnv(t, r)...)
	callN(t, g, 5)
	waitWithin(t, "delivery", 10*time.Second, func() bool { return r.count() == 5 })
	// A second process on the same database does not get the lease while
	// the first holds it.
	held, err := g.App.Store.TakeLease(context.Background(), auditfwd.LeaseName, "other", time.Now(), time.Minute)
	if err != nil || held {
		t.Fatalf("another holder took the forwarding lease: %v %v", held, err)
	}
	if got := metric(t, g, "mcpgate_audit_forward_leader"); got != "mcpgate_audit_forward_leader 1" {
		t.Fatalf("leader gauge: %q", got)
	}
	// Stopped, it releases the lease at once.
	g.stop()
	held, err = g.App.Store.TakeLease(context.Background(), auditfwd.LeaseName, "other", time.Now(), time.Minute)
	if err != nil || !held {
		t.Fatalf("the lease was not released on stop: %v %v", held, err)
	}
}

// TestForwardLagUnderLoad measures the time from a call's audit record to
// its receipt by the webhook while concurrent clients keep calling.
func TestForwardLagUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("a load measurement")
	}
	r := newReceiver(t, []byte("whsec-0123456789abcdef0123456789"))
	env := forwardEnv(t, r)
	env = append(env, "MCPGATE_AUDIT_FORWARD_POLL=1s", "MCPGATE_AUDIT_FORWARD_BATCH=500")
	g := startGateway(t, env...)
	const clients, run = 8, 5 * time.Second
	var calls atomic.Int64
	var wg sync.WaitGroup
	stop := time.Now().Add(run)
	for range clients {
		s := g.session(t)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(stop) {
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				_, err := s.CallTool(ctx, toolParams("github_get_repo", map[string]any{"owner": "octocat", "repo": "hello-world"}))
				cancel()
				if err != nil {
					t.Error(err)
					return
				}
				calls.Add(1)
			}
		}()
	}
	wg.Wait()
	n := int(calls.Load())
	waitWithin(t, "every record delivered", 20*time.Second, func() bool { return r.count() >= n })
	r.mu.Lock()
	lag := slices.Clone(r.lag)
	r.mu.Unlock()
	slices.Sort(lag)
	pct := func(p float64) time.Duration { return lag[min(len(lag)-1, int(p*float64(len(lag))))] }
	t.Logf("%d calls in %s by %d clients (%.0f calls/s); forwarding lag from record to webhook receipt: p50 %s, p90 %s, p99 %s, max %s",
		n, run, clients, float64(n)/run.Seconds(), pct(0.50).Round(time.Microsecond), pct(0.90).Round(time.Microsecond), pct(0.99).Round(time.Microsecond), lag[len(lag)-1].Round(time.Microsecond))
	checkDelivered(t, g, r)
	// The poll is 1s: a p50 well under it shows commits wake the forwarder.
	if pct(0.50) >= 500*time.Millisecond {
		t.Errorf("median lag %s: the forwarder waits for its poll instead of being woken by commits", pct(0.50))
	}
}

// TestForwardContinuesAfterAPruneOfUnsentRecords: records pruned before
// the sink took them are gone for it, and forwarding carries on from the
// prune anchor with checkpoints that count them.
func TestForwardContinuesAfterAPruneOfUnsentRecords(t *testing.T) {
	r := newReceiver(t, []byte("whsec-0123456789abcdef0123456789"))
	r.down.Store(true)
	g := startGateway(t, forwardEnv(t, r)...)
	callN(t, g, 10)
	var sixth time.Time
	err := g.App.Store.User(g.Owner.ID).EachAudit(context.Background(), store.AuditFilter{Ascending: true, Limit: 6}, func(rec store.AuditRecord) error {
		sixth = rec.Time
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n, err := g.App.PruneAudit(context.Background(), []store.User{g.Owner}, sixth); err != nil || n != 5 {
		t.Fatalf("prune: %d, %v", n, err)
	}
	r.down.Store(false)
	waitWithin(t, "the kept records delivered", 10*time.Second, func() bool { return r.count() == 5 })
	if strings.Contains(g.Logs.String(), "does not verify") {
		t.Fatalf("the forwarder held the pruned chain back:\n%s", g.Logs.String())
	}
	g.stop()
	out, err := runCLI(t, g, nil, "audit", "verify", "--all-users", "--against", r.file)
	if err != nil || !strings.Contains(out, "record 10 is unchanged") {
		t.Fatalf("verify --against: %v\n%s", err, out)
	}
}
