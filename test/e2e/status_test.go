package e2e

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"database/sql"
	"encoding/json"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mcpgate/mcpgate/pkg/connector/github/githubfake"
	"github.com/mcpgate/mcpgate/pkg/store/postgres/pgtest"
)

// statusReport is what `mcpgate status -o json` prints, as far as the
// tests read it.
type statusReport struct {
	Version   string   `json:"version"`
	Attention []string `json:"attention"`
	Serve     struct {
		Healthz, Readyz struct {
			Status int    `json:"status"`
			Error  string `json:"error"`
		}
	} `json:"serve"`
	TLS struct {
		Mode     string    `json:"mode"`
		NotAfter time.Time `json:"not_after"`
		Source   string    `json:"source"`
	} `json:"tls"`
	Database struct {
		OK bool `json:"ok"`
	} `json:"database"`
	KeyProvider struct {
		OK bool `json:"ok"`
	} `json:"key_provider"`
	Vault *struct {
		DEKsByKEK  map[string]int `json:"deks_by_kek"`
		Unfinished bool           `json:"rotation_unfinished"`
	} `json:"vault"`
	Connections []struct{ User, Name, Provider, State string } `json:"connections"`
	Keys        []struct {
		User, Name string
		LastUsed   time.Time `json:"last_used"`
	} `json:"keys"`
	Audit []struct {
		User       string
		Records    int64 `json:"records"`
		VerifiedTo int64 `json:"verified_to"`
		BrokenAt   int64 `json:"broken_at"`
	} `json:"audit"`
	Disk struct {
		FreeBytes uint64 `json:"free_bytes"`
	} `json:"disk"`
	Watchers *struct {
		Generation int64 `json:"generation"`
		Live       int   `json:"live"`
	} `json:"generation_watchers"`
}

// statusRig drives the mcpgate binary on one data dir served over TLS
// from certificate files, as a person on a VPS would.
type statusRig struct {
	t       *testing.T
	bin     string
	env     []string
	dataDir string
	listen  string
	admin   string
	roots   *x509.CertPool
	// db opens the database behind mcpgate's back (as its superuser on
	// PostgreSQL).
	db *sql.DB
}

func newStatusRig(t *testing.T, gh *githubfake.Server, dbEnv []string) *statusRig {
	t.Helper()
	dir := t.TempDir()
	r := &statusRig{t: t, bin: mcpgateBinary(t), dataDir: filepath.Join(dir, "data"), listen: freePort(t), admin: freePort(t)}
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	r.roots = writeServeCert(t, certFile, keyFile, 30*24*time.Hour)
	r.env = append([]string{
		"MCPGATE_DATA_DIR=" + r.dataDir,
		"MCPGATE_LISTEN=" + r.listen,
		"MCPGATE_ADMIN_LISTEN=" + r.admin,
		"MCPGATE_TLS_MODE=files",
		"MCPGATE_TLS_CERT_FILE=" + certFile,
		"MCPGATE_TLS_KEY_FILE=" + keyFile,
		"MCPGATE_CONNECTORS_GITHUB_API_URL=" + gh.URL,
	}, dbEnv...)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "MCPGATE_") {
			r.env = append(r.env, kv)
		}
	}
	return r
}

// run runs a command to completion and returns its output and exit code.
func (r *statusRig) run(stdin string, env []string, args ...string) (stdout, stderr string, code int) {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, r.bin, args...)
	cmd.Env, cmd.Stdin = append(append([]string{}, r.env...), env...), strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		code = ee.ExitCode()
	case err != nil:
		r.t.Fatalf("mcpgate %s: %v", strings.Join(args, " "), err)
	}
	return out.String(), errb.String(), code
}

func (r *statusRig) must(stdin string, args ...string) string {
	r.t.Helper()
	out, errOut, code := r.run(stdin, nil, args...)
	if code != 0 {
		r.t.Fatalf("mcpgate %s: exit %d\n%s", strings.Join(args, " "), code, errOut)
	}
	return out
}

// status runs `mcpgate status -o json` with env added and returns the
// report and the exit code.
func (r *statusRig) status(env []string, args ...string) (statusReport, int) {
	r.t.Helper()
	out, errOut, code := r.run("", env, append([]string{"status", "-o", "json"}, args...)...)
	var rep statusReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		r.t.Fatalf("status -o json printed no report (exit %d): %v\n%s\n%s", code, err, out, errOut)
	}
	if code == 1 && !strings.Contains(errOut, "need attention") {
		r.t.Errorf("status exited 1 without saying why on stderr: %q", errOut)
	}
	return rep, code
}

// wantAttention wants exit 1 and exactly one attention item, containing
// want: the condition under test and nothing else.
func (r *statusRig) wantAttention(what, want string, env []string, args ...string) statusReport {
	r.t.Helper()
	rep, code := r.status(env, args...)
	if code != 1 || len(rep.Attention) != 1 || !strings.Contains(rep.Attention[0], want) {
		r.t.Errorf("%s: status exit %d, attention %q; want exit 1 and one item about %q", what, code, rep.Attention, want)
	}
	return rep
}

// serve starts `mcpgate serve` and waits until it answers; the returned
// function stops it (SIGTERM) and returns its stderr.
func (r *statusRig) serve() func() string {
	r.t.Helper()
	cmd := exec.Command(r.bin, "serve")
	cmd.Env = r.env
	var stderr syncBuffer
	cmd.Stderr = &stderr
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Start(); err != nil {
		r.t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	stopped := false
	stop := func() string {
		if !stopped {
			stopped = true
			cmd.Process.Signal(os.Interrupt)
			select {
			case <-exited:
			case <-time.After(30 * time.Second):
				cmd.Process.Kill()
				<-exited
			}
		}
		return stderr.String()
	}
	r.t.Cleanup(func() { stop() })
	hc := r.client("")
	deadline := time.Now().Add(time.Minute)
	for {
		resp, err := hc.Get("https://" + r.listen + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return stop
			}
		}
		select {
		case <-exited:
			r.t.Fatalf("serve exited before it was healthy\n%s", stderr.String())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("serve not healthy: %v\n%s", err, stderr.String())
		}
	}
}

// client trusts the rig's certificate and sends key as a bearer token.
func (r *statusRig) client(key string) *http.Client {
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: r.roots}}
	return &http.Client{Timeout: 30 * time.Second, Transport: roundTripFunc(func(req *http.Request) (*http.Response, error) {
		if key != "" {
			req = req.Clone(req.Context())
			req.Header.Set("Authorization", "Bearer "+key)
		}
		return tr.RoundTrip(req)
	})}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// callTool makes one tool call with key, so the key has a last use and
// the owner's audit chain a record.
func (r *statusRig) callTool(key string) {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	client := mcp.NewClient(&mcp.Implementation{Name: "mcpgate-e2e-status", Version: "1"}, nil)
	s, err := client.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: "https://" + r.listen + "/mcp", HTTPClient: r.client(key)}, nil)
	if err != nil {
		r.t.Fatalf("connect: %v", err)
	}
	defer s.Close()
	if res := call(r.t, s, "github_get_repo", helloRepo); res.IsError {
		r.t.Fatalf("github_get_repo: %s", text(res))
	}
}

func (r *statusRig) exec(q string, args ...any) {
	r.t.Helper()
	if _, err := r.db.Exec(q, args...); err != nil {
		r.t.Fatalf("%s: %v", q, err)
	}
}

// writeServeCert writes a self-signed certificate for 127.0.0.1 valid
// for validity, and returns a pool that trusts it.
func writeServeCert(t *testing.T, certFile, keyFile string, validity time.Duration) *x509.CertPool {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: "localhost"},
		DNSNames:     []string{"localhost"},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(validity),
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(c)
	return pool
}

// TestStatusSaysWhetherItWorks drives a newcomer's first run and then
// `mcpgate status` through the binary, on SQLite and PostgreSQL: a fresh
// install is told what to run next (by serve, once, and by status), a
// working one is all well with exit 0, and each condition that needs a
// person — serve down, a certificate about to expire, the key provider or
// the database unreachable, an unfinished rotation, a connection needing
// re-authorisation, no app key, a tampered audit chain, a full disk —
// turns the exit non-zero with one sentence about it.
func TestStatusSaysWhetherItWorks(t *testing.T) {
	drivers := []struct {
		name string
		// setup returns the environment for the database and a handle on
		// it as its superuser, and init's extra arguments.
		setup func(t *testing.T, dataDir string) (env, initArgs []string, open func() (*sql.DB, error), down []string)
		// notReady, where the database allows it, takes serve's database
		// away while it runs, and returns what gives it back.
		notReady func(r *statusRig) (undo func())
	}{
		{"sqlite", func(t *testing.T, dataDir string) ([]string, []string, func() (*sql.DB, error), []string) {
			return nil, nil, func() (*sql.DB, error) {
					return sql.Open("sqlite", "file:"+filepath.Join(dataDir, "mcpgate.db")+"?_pragma=busy_timeout(5000)")
				},
				[]string{"MCPGATE_DATABASE_URL=sqlite://" + filepath.Join(t.TempDir(), "gone", "mcpgate.db")}
		}, nil},
		{"postgres", func(t *testing.T, _ string) ([]string, []string, func() (*sql.DB, error), []string) {
			d := pgtest.FreshOwnedDB(t)
			return nil, []string{"--database-url", d.OwnerURL, "--serve-role", d.ServeRole},
				func() (*sql.DB, error) { return sql.Open("pgx", d.SuperURL) },
				[]string{"MCPGATE_DATABASE_ADMIN_URL=postgres://postgres@127.0.0.1:1/mcpgate?sslmode=disable&connect_timeout=5"}
		}, func(r *statusRig) func() {
			// serve's own login may no longer log in, and its sessions end.
			var role string
			if err := r.db.QueryRow("SELECT usename FROM pg_stat_activity WHERE datname = current_database() AND usename LIKE 'mcpgate_test_serve_%' LIMIT 1").Scan(&role); err != nil {
				r.t.Fatalf("serve's login has no session: %v", err)
			}
			r.exec("ALTER ROLE " + role + " NOLOGIN")
			r.exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1", role)
			return func() { r.exec("ALTER ROLE " + role + " LOGIN") }
		}},
	}
	for _, d := range drivers {
		t.Run(d.name, func(t *testing.T) {
			gh := githubfake.New(canary)
			t.Cleanup(gh.Close)
			var dataDir string
			r := newStatusRig(t, gh, nil)
			dataDir = r.dataDir
			env, initArgs, open, downEnv := d.setup(t, dataDir)
			r.env = append(r.env, env...)
			r.must("", append([]string{"init"}, initArgs...)...)
			db, err := open()
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			r.db = db

			// A fresh install: nothing serves, nothing is connected, no key.
			rep, code := r.status(nil)
			if code != 1 || len(rep.Attention) != 3 {
				t.Fatalf("fresh install: exit %d, attention %q; want 1 and three items", code, rep.Attention)
			}
			for i, want := range []string{"serve does not answer", "mcpgate connect add", "mcpgate key create --name NAME --print-config claude|cursor|vscode"} {
				if !strings.Contains(rep.Attention[i], want) {
					t.Errorf("fresh install: attention %d = %q, want it to say %q", i, rep.Attention[i], want)
				}
			}

			// serve on a fresh install says once what to run next.
			stop := r.serve()
			logs := stop()
			if n := strings.Count(logs, "next step"); n != 2 ||
				!strings.Contains(logs, "`mcpgate connect add github") ||
				!strings.Contains(logs, "`mcpgate key create --name NAME --print-config claude|cursor|vscode`") {
				t.Errorf("serve on a fresh install said %d next steps, want the connect and key steps once each:\n%s", n, logs)
			}

			r.must(canary+"\n", "connect", "add", "github", "--token-stdin")
			var created struct{ Key string }
			if err := json.Unmarshal([]byte(r.must("", "key", "create", "--name", "laptop", "-o", "json")), &created); err != nil || created.Key == "" {
				t.Fatalf("key create: %v", err)
			}
			stop = r.serve()
			r.callTool(created.Key)

			// All is well.
			rep, code = r.status(nil)
			if code != 0 || len(rep.Attention) != 0 {
				t.Fatalf("a working install: exit %d, attention %q; want 0 and none", code, rep.Attention)
			}
			if rep.Serve.Healthz.Status != 200 || rep.Serve.Readyz.Status != 200 || !rep.Database.OK || !rep.KeyProvider.OK {
				t.Errorf("serve, database, key provider: %+v %v %v", rep.Serve, rep.Database, rep.KeyProvider)
			}
			if rep.TLS.Mode != "files" || rep.TLS.Source != "served" || rep.TLS.NotAfter.Before(time.Now().Add(29*24*time.Hour)) {
				t.Errorf("tls = %+v, want the served certificate, 30 days left", rep.TLS)
			}
			if rep.Vault == nil || rep.Vault.Unfinished || len(rep.Vault.DEKsByKEK) != 1 {
				t.Errorf("vault = %+v, want one KEK and no rotation unfinished", rep.Vault)
			}
			if len(rep.Connections) != 1 || rep.Connections[0].Name != "github" || rep.Connections[0].State != "ok" {
				t.Errorf("connections = %+v, want github ok", rep.Connections)
			}
			if len(rep.Keys) != 1 || rep.Keys[0].Name != "laptop" || time.Since(rep.Keys[0].LastUsed) > 5*time.Minute {
				t.Errorf("keys = %+v, want laptop, used just now", rep.Keys)
			}
			if len(rep.Audit) != 1 || rep.Audit[0].User != "owner" || rep.Audit[0].VerifiedTo < 1 || rep.Audit[0].Records != 1 || rep.Audit[0].BrokenAt != 0 {
				t.Errorf("audit = %+v, want the owner's one record verified", rep.Audit)
			}
			if rep.Disk.FreeBytes == 0 {
				t.Errorf("disk = %+v", rep.Disk)
			}
			// On PostgreSQL, serve (which has answered a request) learns of
			// changes by notification, and status shows it.
			if d.name == "postgres" {
				for i := 0; rep.Watchers == nil || rep.Watchers.Live != 1; i++ {
					if i == 50 {
						t.Fatalf("generation watchers = %+v, want serve's one", rep.Watchers)
					}
					time.Sleep(100 * time.Millisecond)
					rep, _ = r.status(nil)
				}
			} else if rep.Watchers != nil {
				t.Errorf("generation watchers on SQLite: %+v", rep.Watchers)
			}
			if out, _, code := r.run("", nil, "status"); code != 0 || !strings.Contains(out, "all is well") || !strings.Contains(out, "laptop") {
				t.Errorf("status (table): exit %d\n%s", code, out)
			}

			// The container health check: 0 while serve answers.
			for _, u := range []string{"http://" + r.admin + "/healthz", "https://" + r.listen + "/healthz"} {
				if out, errOut, code := r.run("", nil, "healthcheck", u); code != 0 || out != "ok\n" {
					t.Errorf("healthcheck %s: exit %d, %q %q; want 0 and ok", u, code, out, errOut)
				}
			}

			// Each condition alone.
			if d.notReady != nil {
				undo := d.notReady(r)
				r.wantAttention("not ready", "serve is up but not ready", nil)
				undo()
				if rep, code := r.status(nil); code != 0 {
					t.Errorf("serve's login restored: exit %d, attention %q; want serve ready again without a restart", code, rep.Attention)
				}
			}
			r.wantAttention("certificate", "TLS certificate for localhost expires in 29 day", nil, "--cert-warn", "1000h")
			r.wantAttention("disk", "free in "+dataDir, nil, "--min-free", "1000000TiB")

			r.exec("UPDATE connections SET status = 'needs_reauth'")
			r.wantAttention("re-auth", "connection github of owner needs re-authorisation", nil)
			if out, _, _ := r.run("", nil, "status"); !strings.Contains(out, "needs attention (1):") || !strings.Contains(out, "needs re-auth") {
				t.Errorf("status (table) with a connection needing re-auth:\n%s", out)
			}
			r.exec("UPDATE connections SET status = 'ok'")

			oldKEK := "local://" + filepath.Join(dataDir, "kek")
			r.must("", "vault", "rotate-kek", "--to", "local://"+filepath.Join(dataDir, "kek-2"))
			r.wantAttention("rotation", "key rotation is unfinished", []string{"MCPGATE_KEY_PROVIDER=" + oldKEK})
			if rep, code := r.status(nil); code != 0 {
				t.Errorf("after the rotation: exit %d, attention %q", code, rep.Attention)
			}

			r.wantAttention("database", "the database cannot be used", downEnv)

			kek2 := filepath.Join(dataDir, "kek-2")
			if err := os.Rename(kek2, kek2+".away"); err != nil {
				t.Fatal(err)
			}
			rep = r.wantAttention("key provider", "the key provider cannot be opened", nil)
			if rep.KeyProvider.OK || !rep.Database.OK {
				t.Errorf("key provider away: key provider ok=%v, database ok=%v; want false, true", rep.KeyProvider.OK, rep.Database.OK)
			}
			if err := os.Rename(kek2+".away", kek2); err != nil {
				t.Fatal(err)
			}

			r.must("", "key", "revoke", "laptop")
			r.wantAttention("no key", "no app key exists yet", nil)
			r.must("", "key", "create", "--name", "laptop-2")

			r.exec(`UPDATE audit_records SET arguments = '{"owner":"mallory","repo":"hello-world"}'`)
			rep = r.wantAttention("tampered", "the audit log of owner was tampered with at record", nil)
			if len(rep.Audit) != 1 || rep.Audit[0].BrokenAt == 0 {
				t.Errorf("audit = %+v, want the broken record named", rep.Audit)
			}
			r.exec(`DELETE FROM audit_records`)

			stop()
			if _, errOut, code := r.run("", nil, "healthcheck", "http://"+r.admin+"/healthz"); code != 1 || !strings.Contains(errOut, "connection refused") {
				t.Errorf("healthcheck with serve stopped: exit %d, %q; want 1 and the refusal", code, errOut)
			}
			r.wantAttention("serve down", "serve does not answer at https://"+r.listen+"/healthz", nil)
		})
	}
}
