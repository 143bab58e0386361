package tlstest

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// pebbleVersion is the version `make test-tools` installs.
const pebbleVersion = "v2.10.1"

// pebble is a running Pebble with its DNS (pebble-challtestsrv), which
// resolves every name to 127.0.0.1.
type pebble struct {
	DirURL   string            // the ACME directory
	MiniCA   string            // PEM file that Pebble's own HTTPS listeners chain to
	HTTPPort int               // where Pebble validates HTTP-01 challenges
	Root     *x509.Certificate // the root Pebble issues from, made at its start
	logs     *syncBuffer
}

// Issued counts the certificates Pebble has issued so far.
func (p *pebble) Issued() int { return strings.Count(p.logs.String(), "Issued certificate serial") }

// startPebble runs pebble-challtestsrv and pebble until the test ends.
func startPebble(ctx context.Context, t *testing.T) *pebble {
	t.Helper()
	pebbleBin, challBin := tool(t, "pebble"), tool(t, "pebble-challtestsrv")
	src := filepath.Join(goEnv(t, "GOMODCACHE"), "github.com", "letsencrypt", "pebble", "v2@"+pebbleVersion)
	p := &pebble{MiniCA: filepath.Join(src, "test", "certs", "pebble.minica.pem"), HTTPPort: freePort(t), logs: &syncBuffer{}}
	if _, err := os.Stat(p.MiniCA); err != nil {
		t.Fatalf("pebble's test certificates are not in the module cache (%v): run `make test-tools`", err)
	}

	dns := freeDNSPort(t)
	chall := freeAddr(t)
	run(t, challBin, nil, p.logs, "-dnsserver", dns, "-management", chall, "-defaultIPv4", "127.0.0.1", "-defaultIPv6", "",
		"-http01", "", "-https01", "", "-doh", "", "-tlsalpn01", "")
	waitDial(ctx, t, chall)

	listen, mgmt := freeAddr(t), freeAddr(t)
	cfg := map[string]any{"pebble": map[string]any{
		"listenAddress":           listen,
		"managementListenAddress": mgmt,
		"certificate":             filepath.Join(src, "test", "certs", "localhost", "cert.pem"),
		"privateKey":              filepath.Join(src, "test", "certs", "localhost", "key.pem"),
		"httpPort":                p.HTTPPort,
		"tlsPort":                 freePort(t), // unused: mcpgate turns TLS-ALPN-01 off
		"keyAlgorithm":            "ecdsa",
		"profiles":                map[string]any{"default": map[string]any{"description": "test", "validityPeriod": 7776000}},
	}}
	cfgFile := filepath.Join(t.TempDir(), "pebble.json")
	b, _ := json.Marshal(cfg)
	if err := os.WriteFile(cfgFile, b, 0o600); err != nil {
		t.Fatal(err)
	}
	run(t, pebbleBin, []string{"PEBBLE_VA_NOSLEEP=1", "PEBBLE_WFE_NONCEREJECT=0", "PEBBLE_AUTHZREUSE=0"}, p.logs,
		"-config", cfgFile, "-dnsserver", dns)

	p.DirURL = "https://" + listen + "/dir"
	client := httpsClient(t, p.MiniCA)
	if _, err := waitGet(ctx, client, p.DirURL); err != nil {
		t.Fatalf("pebble did not come up: %v\n%s", err, p.logs)
	}
	body, err := waitGet(ctx, client, "https://"+mgmt+"/roots/0")
	if err != nil {
		t.Fatalf("fetch pebble's root: %v", err)
	}
	blk, _ := pem.Decode(body)
	if blk == nil {
		t.Fatalf("pebble's /roots/0 is not PEM: %q", body)
	}
	if p.Root, err = x509.ParseCertificate(blk.Bytes); err != nil {
		t.Fatalf("parse pebble's root: %v", err)
	}
	return p
}

// tool finds a binary that `make test-tools` installs: on PATH, in GOBIN
// or in GOPATH/bin.
func tool(t *testing.T, name string) string {
	t.Helper()
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	var dirs []string
	if gobin := goEnv(t, "GOBIN"); gobin != "" {
		dirs = append(dirs, gobin)
	}
	for _, gp := range filepath.SplitList(goEnv(t, "GOPATH")) {
		dirs = append(dirs, filepath.Join(gp, "bin"))
	}
	for _, d := range dirs {
		if p := filepath.Join(d, name); isFile(p) {
			return p
		}
	}
	t.Fatalf("%s is not installed (looked on PATH and in %v): run `make test-tools`", name, dirs)
	return ""
}

func isFile(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular()
}

func goEnv(t *testing.T, key string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "go", "env", key).Output()
	if err != nil {
		t.Fatalf("go env %s: %v", key, err)
	}
	return strings.TrimSpace(string(out))
}

// run starts a helper process that is killed and reaped when the test ends.
func run(t *testing.T, bin string, env []string, out io.Writer, args ...string) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = out, out
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
}

// freePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func freeAddr(t *testing.T) string { return "127.0.0.1:" + strconv.Itoa(freePort(t)) }

// freeDNSPort returns an address free for both TCP and UDP.
func freeDNSPort(t *testing.T) string {
	t.Helper()
	for range 20 {
		addr := freeAddr(t)
		if pc, err := net.ListenPacket("udp", addr); err == nil {
			pc.Close()
			return addr
		}
	}
	t.Fatal("no port free for both TCP and UDP")
	return ""
}

func waitDial(ctx context.Context, t *testing.T, addr string) {
	t.Helper()
	for {
		var d net.Dialer
		c, err := d.DialContext(ctx, "tcp", addr)
		if err == nil {
			c.Close()
			return
		}
		if ctx.Err() != nil {
			t.Fatalf("nothing listens on %s: %v", addr, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitGet GETs url until it answers 200 or ctx ends.
func waitGet(ctx context.Context, c *http.Client, url string) ([]byte, error) {
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		resp, err := c.Do(req)
		if err == nil {
			body, rerr := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK && rerr == nil {
				return body, nil
			}
			err = fmt.Errorf("%s: %s %s", url, resp.Status, bytes.TrimSpace(body))
		}
		select {
		case <-ctx.Done():
			return nil, err
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// httpsClient trusts only the roots in pemFile.
func httpsClient(t *testing.T, pemFile string) *http.Client {
	t.Helper()
	b, err := os.ReadFile(pemFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(b) {
		t.Fatalf("%s holds no certificate", pemFile)
	}
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
