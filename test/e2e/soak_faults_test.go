//go:build soak

package e2e

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mcpgate/mcpgate/pkg/apikey"
	"github.com/mcpgate/mcpgate/pkg/store/postgres/pgtest"
	"github.com/mcpgate/mcpgate/test/parts"
)

// floodRSSCeilingMiB is the most serve may hold while it refuses a flood
// of wrong keys: the memory cap of the systemd unit. Two Argon2id
// computations of 19 MiB at once, collected at 4x the live heap under the
// 384 MiB soft limit serve gives its Go runtime (appliance.TuneRuntime),
// reach about 400 MiB; the failure counters are bounded in number.
const floodRSSCeilingMiB = 512

// TestSoakWrongKeyFlood sends MCPGATE_SOAK_FLOOD requests (1,000,000)
// with wrong keys from MCPGATE_SOAK_FLOOD_ADDRS client addresses (16,
// given in X-Forwarded-For as by a proxy on loopback, which
// trusted_proxies trusts by default, with behind_proxy set): each gets 401
// or 429, serve's RSS stays under the ceiling, and a valid key keeps
// working with its usual latency. Each address may have 20 keys checked
// at once and 10 a minute after: 16 addresses ask for 2.7 Argon2id checks
// a second once their first 20 are spent, fewer than the two slots do
// here, so most requests get 429 at once. (With 64 addresses, 11 a second
// is more than this machine's two slots do: every address then always has
// a token, every wrong key waits for a slot, and the flood runs at the
// Argon2id pace, about 7 requests a second.)
func TestSoakWrongKeyFlood(t *testing.T) {
	total := soakInt(t, "MCPGATE_SOAK_FLOOD", 1_000_000, 30_000)
	addrs := soakInt(t, "MCPGATE_SOAK_FLOOD_ADDRS", 16, 16)
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Minute)
	defer cancel()
	rig, key := soakRig(ctx, t, "MCPGATE_DATA_DIR="+t.TempDir(), "MCPGATE_BEHIND_PROXY=true")
	addr := rig.serve(ctx, t)
	pid := rig.cmd.Process.Pid
	s, err := soakSession(ctx, addr, key)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	validCall := func() (time.Duration, error) {
		t0 := time.Now()
		r, err := callErr(ctx, s, "github_get_repo", helloRepo)
		if err == nil && r.IsError {
			err = errors.New(text(r))
		}
		return time.Since(t0), err
	}
	var baseline []time.Duration
	for range 50 {
		d, err := validCall()
		if err != nil {
			t.Fatal(err)
		}
		baseline = append(baseline, d)
	}
	slices.Sort(baseline)
	rssBefore := rssMiB(t, pid)

	var (
		sent, unauthorized, limited, other atomic.Int64
		maxRSS                             atomic.Int64 // KiB
		wg                                 sync.WaitGroup
		done                               = make(chan struct{})
	)
	// Well-formed keys (their checksums are right) that are wrong: the
	// real key's id with another secret, and ids that do not exist. Each
	// costs an Argon2id check until its address is rate-limited.
	id, _, err := apikey.Parse(key)
	if err != nil {
		t.Fatal(err)
	}
	var wrong []string
	for i := range 64 {
		raw, err := apikey.Regenerate(id)
		if i%2 == 1 {
			raw, _, err = apikey.Generate()
		}
		if err != nil {
			t.Fatal(err)
		}
		wrong = append(wrong, raw.Reveal())
	}
	start := time.Now()
	for w := range 128 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			hc := &http.Client{Transport: soakTransport, Timeout: 30 * time.Second}
			for i := sent.Add(1); i <= int64(total); i = sent.Add(1) {
				req, _ := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+addr+"/mcp",
					strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"tools/list"}`))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Accept", "application/json, text/event-stream")
				req.Header.Set("Authorization", "Bearer "+wrong[int(i)%len(wrong)])
				// A refused key changes nothing, so the client may send it
				// again on a new connection when a kept-alive one turns out
				// closed by the server (the keep-alive race, 1 in 1,000,000).
				req.Header.Set("Idempotency-Key", strconv.FormatInt(i, 10))
				a := (int(i) + w) % addrs
				req.Header.Set("X-Forwarded-For", fmt.Sprintf("10.9.%d.%d", a/250, a%250+1))
				resp, err := hc.Do(req)
				if err != nil {
					if other.Add(1) <= 5 {
						t.Errorf("wrong-key request: %v", err)
					}
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				switch resp.StatusCode {
				case http.StatusUnauthorized:
					unauthorized.Add(1)
				case http.StatusTooManyRequests:
					limited.Add(1)
				default:
					if other.Add(1) <= 5 {
						t.Errorf("wrong-key request: status %d", resp.StatusCode)
					}
				}
			}
		}()
	}
	var during []time.Duration
	var validErrs int
	monitor := make(chan struct{})
	go func() {
		defer close(monitor)
		for {
			select {
			case <-done:
				return
			case <-time.After(100 * time.Millisecond):
			}
			if kb := int64(rssMiB(t, pid) * 1024); kb > maxRSS.Load() {
				maxRSS.Store(kb)
			}
			d, err := validCall()
			if err != nil {
				validErrs++
				if validErrs <= 5 {
					t.Errorf("valid key during the flood: %v", err)
				}
				continue
			}
			during = append(during, d)
		}
	}()
	wg.Wait()
	close(done)
	<-monitor
	elapsed := time.Since(start)
	slices.Sort(during)
	peak := float64(maxRSS.Load()) / 1024
	t.Logf("SOAK flood: %d wrong-key requests from %d addresses in %v (%.0f/s): %d got 401, %d got 429, %d anything else; serve RSS %.1f MiB before, peak %.1f MiB (ceiling %d MiB); valid key: p50 %s / p99 %s before, p50 %s / p99 %s during (%d calls, %d failed)",
		total, addrs, elapsed.Round(time.Second), float64(total)/elapsed.Seconds(), unauthorized.Load(), limited.Load(), other.Load(),
		rssBefore, peak, floodRSSCeilingMiB, ms(pct(baseline, 0.5)), ms(pct(baseline, 0.99)), ms(pct(during, 0.5)), ms(pct(during, 0.99)),
		len(during), validErrs)
	if other.Load() != 0 || validErrs != 0 {
		t.Errorf("%d wrong-key requests got neither 401 nor 429; %d valid-key calls failed", other.Load(), validErrs)
	}
	if peak >= floodRSSCeilingMiB {
		t.Errorf("serve's RSS reached %.1f MiB, over the ceiling of %d MiB", peak, floodRSSCeilingMiB)
	}
	// Usual latency: the two cores are shared with the flood's own client
	// and the Argon2id checks it causes, so allow 10 times the quiet
	// median plus 50 ms.
	if want := 10*pct(baseline, 0.5) + 50*time.Millisecond; pct(during, 0.5) > want {
		t.Errorf("valid key's median latency during the flood %s, over %s", ms(pct(during, 0.5)), ms(want))
	}
}

// TestSoakFullDisk puts the data dir on a 16 MiB tmpfs, fills it: calls
// are refused with the audit error (nothing is returned unrecorded), and
// once space returns calls work again without a restart; the database
// passes its integrity check and the chain verifies.
func TestSoakFullDisk(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	mnt, err := os.MkdirTemp("", "mcpgate-soak-tmpfs")
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mount("tmpfs", mnt, "tmpfs", 0, "size=16m,mode=0700"); err != nil {
		os.Remove(mnt)
		parts.Missing(t, parts.Tmpfs, "run as root where a tmpfs can be mounted ("+err.Error()+")")
	}
	t.Cleanup(func() {
		syscall.Unmount(mnt, syscall.MNT_DETACH)
		os.Remove(mnt)
	})
	rig, key := soakRig(ctx, t, "MCPGATE_DATA_DIR="+mnt)
	addr := rig.serve(ctx, t)
	s, err := soakSession(ctx, addr, key)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	issuer := &issuer{ctx: ctx, s: s, prefix: "disk"}
	issue := issuer.issue
	if msg, err := issue(); msg != "" || err != nil {
		t.Fatalf("before the disk is full: %q %v", msg, err)
	}

	filler := filepath.Join(mnt, "filler")
	fillDisk(t, filler)
	refused := ""
	for range 5000 {
		msg, err := issue()
		if err != nil {
			t.Fatalf("with the disk full, a call failed without an answer: %v", err)
		}
		if msg != "" {
			refused = msg
			break
		}
		fillDisk(t, filler+strconv.Itoa(issuer.n)) // space the database freed
	}
	if !strings.Contains(refused, "could not be recorded in the audit log") {
		t.Fatalf("with the disk full: refusal %q, want the audit error", refused)
	}
	for range 20 {
		if msg, err := issue(); err != nil || (msg != "" && !strings.Contains(msg, "audit log")) {
			t.Fatalf("with the disk full: %q %v", msg, err)
		}
	}
	matches, _ := filepath.Glob(filler + "*")
	for _, m := range matches {
		os.Remove(m)
	}
	var resumed time.Duration
	t0 := time.Now()
	for {
		msg, err := issue()
		if err == nil && msg == "" {
			resumed = time.Since(t0)
			break
		}
		if time.Since(t0) > 30*time.Second {
			t.Fatalf("30 s after space returned, calls still fail: %q %v", msg, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	for range 20 {
		if msg, err := issue(); msg != "" || err != nil {
			t.Fatalf("after space returned: %q %v", msg, err)
		}
	}
	if err := rig.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	<-rig.exited
	assertEveryTitleRecorded(t, listAudit(ctx, t, rig), "github_create_issue", issuer.returned)
	integrity := integrityCheck(t, filepath.Join(mnt, "mcpgate.db"))
	verify := rig.cli(ctx, t, "", "audit", "verify")
	if integrity != "ok" || !strings.HasPrefix(verify, "ok: ") {
		t.Errorf("after a full disk: integrity_check %q, audit verify %q", integrity, verify)
	}
	t.Logf("SOAK full disk: refused with %q; resumed %v after space returned, without a restart; %d results returned, each recorded; integrity_check %s; audit verify: %s",
		refused, resumed.Round(time.Millisecond), len(issuer.returned), integrity, strings.TrimSpace(verify))
}

// fillDisk writes path until the file system is full.
func fillDisk(t *testing.T, path string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		if errors.Is(err, syscall.ENOSPC) {
			return
		}
		t.Fatal(err)
	}
	defer f.Close()
	buf := make([]byte, 64<<10)
	for {
		if _, err := f.Write(buf); err != nil {
			if errors.Is(err, syscall.ENOSPC) {
				break
			}
			t.Fatal(err)
		}
	}
	// The last partial block: smaller writes take it too.
	for _, size := range []int{4096, 512, 1} {
		for {
			if _, err := f.Write(buf[:size]); err != nil {
				break
			}
		}
	}
}

// TestSoakPostgresDown runs serve on a PostgreSQL cluster of its own
// (initdb and pg_ctl on a spare port), stops the cluster under calls and
// starts it again: while it is down, calls fail with a clear error and
// /readyz says so; once it is back, calls work without restarting serve.
func TestSoakPostgresDown(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	pg := startThrowawayPostgres(t)
	t.Setenv(pgtest.EnvURL, pg.url)
	d := pgtest.FreshOwnedDB(t)
	rig, key := soakRig(ctx, t, "MCPGATE_DATA_DIR="+t.TempDir(),
		"MCPGATE_DATABASE_URL="+d.ServeURL(), "MCPGATE_DATABASE_ADMIN_URL="+d.OwnerURL)
	addr := rig.serve(ctx, t)
	pid := rig.cmd.Process.Pid
	s, err := soakSession(ctx, addr, key)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	issuer := &issuer{ctx: ctx, s: s, prefix: "pg"}
	issue := issuer.issue
	for range 5 {
		if msg, err := issue(); msg != "" || err != nil {
			t.Fatalf("before the stop: %q %v", msg, err)
		}
	}
	pg.ctl(t, "stop", "-m", "fast")
	for range 5 {
		t0 := time.Now()
		if msg, err := issue(); err == nil && msg == "" {
			t.Fatal("a call returned a result while the database was down")
		}
		if took := time.Since(t0); took > 20*time.Second {
			t.Errorf("a call took %v to fail with the database down", took)
		}
	}
	// What a client gets, on the wire.
	status, downErr := rawCall(t, addr, key)
	if status != http.StatusServiceUnavailable || !strings.Contains(downErr, "database is unavailable") {
		t.Errorf("with the database down: %d %q, want 503 saying the database is unavailable", status, downErr)
	}
	ready := readyz(t, rig)
	if ready == http.StatusOK {
		t.Error("/readyz answers 200 with the database down")
	}
	pg.ctl(t, "start", "-w", "-l", pg.dir+"/log", "-o", pg.opts)
	t0 := time.Now()
	var back time.Duration
	for {
		if msg, err := issue(); err == nil && msg == "" {
			back = time.Since(t0)
			break
		}
		if time.Since(t0) > 60*time.Second {
			t.Fatal("60 s after PostgreSQL came back, calls still fail")
		}
		time.Sleep(200 * time.Millisecond)
	}
	if rig.cmd.Process.Pid != pid {
		t.Fatal("serve was restarted")
	}
	assertEveryTitleRecorded(t, listAudit(ctx, t, rig), "github_create_issue", issuer.returned)
	verify := rig.cli(ctx, t, "", "audit", "verify")
	if !strings.HasPrefix(verify, "ok: ") {
		t.Errorf("audit verify: %q", verify)
	}
	t.Logf("SOAK PostgreSQL down: calls refused with %d %q, /readyz %d; back %v after the restart of PostgreSQL, same serve process; audit verify: %s",
		status, downErr, ready, back.Round(time.Millisecond), strings.TrimSpace(verify))
}

// issuer creates issues titled prefix-1, prefix-2, … through one
// session and keeps the titles of those whose result came back.
type issuer struct {
	ctx      context.Context
	s        *mcp.ClientSession
	prefix   string
	n        int
	returned []string
}

// issue creates the next issue: it returns the tool error's text when the
// call is refused, and an error when the call itself fails.
func (i *issuer) issue() (string, error) {
	i.n++
	title := fmt.Sprintf("%s-%d", i.prefix, i.n)
	r, err := callErr(i.ctx, i.s, "github_create_issue", map[string]any{"owner": "octocat", "repo": "hello-world", "title": title})
	if err != nil {
		return "", err
	}
	if r.IsError {
		return text(r), nil
	}
	i.returned = append(i.returned, title)
	return "", nil
}

// rawCall posts one tools/call with key and returns the status and body.
func rawCall(t *testing.T, addr, key string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/mcp", strings.NewReader(
		`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"github_get_repo","arguments":{"owner":"octocat","repo":"hello-world"}}}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, strings.TrimSpace(string(b))
}

// readyz is the status of serve's /readyz.
func readyz(t *testing.T, rig *sigtermRig) int {
	t.Helper()
	for _, e := range rig.cmd.Env {
		if a, ok := strings.CutPrefix(e, "MCPGATE_LISTEN="); ok {
			resp, err := http.Get("http://" + a + "/readyz")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			return resp.StatusCode
		}
	}
	t.Fatal("no listen address")
	return 0
}

// throwawayPostgres is a PostgreSQL cluster of the test's own, run as the
// postgres account, which the test may stop.
type throwawayPostgres struct {
	bin, dir, opts, url string
	cred                *syscall.Credential
}

func (p *throwawayPostgres) ctl(t *testing.T, args ...string) {
	t.Helper()
	cmd := exec.Command(filepath.Join(p.bin, "pg_ctl"), append([]string{"-D", p.dir + "/data"}, args...)...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: p.cred}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("pg_ctl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

func startThrowawayPostgres(t *testing.T) *throwawayPostgres {
	t.Helper()
	bins, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	if len(bins) == 0 {
		parts.Missing(t, parts.Postgres, "apt-get install -y postgresql (initdb and pg_ctl in /usr/lib/postgresql/*/bin)")
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		parts.Missing(t, parts.Postgres, "a postgres account to run a throwaway cluster as")
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	dir, err := os.MkdirTemp("", "mcpgate-soak-pg")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(dir, uid, gid); err != nil {
		t.Fatal(err)
	}
	port := freePort(t)[len("127.0.0.1:"):]
	p := &throwawayPostgres{bin: filepath.Dir(bins[len(bins)-1]), dir: dir,
		opts: "-p " + port + " -k " + dir + " -c listen_addresses=127.0.0.1 -c fsync=off",
		url:  "postgres://postgres@127.0.0.1:" + port + "/postgres?sslmode=disable",
		cred: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}}
	initdb := exec.Command(bins[len(bins)-1], "-D", dir+"/data", "-A", "trust", "-U", "postgres", "--no-sync")
	initdb.SysProcAttr = &syscall.SysProcAttr{Credential: p.cred}
	if out, err := initdb.CombinedOutput(); err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}
	p.ctl(t, "start", "-w", "-l", dir+"/log", "-o", p.opts)
	t.Cleanup(func() {
		stop := exec.Command(filepath.Join(p.bin, "pg_ctl"), "-D", dir+"/data", "stop", "-m", "immediate")
		stop.SysProcAttr = &syscall.SysProcAttr{Credential: p.cred}
		stop.Run()
		os.RemoveAll(dir)
	})
	return p
}
