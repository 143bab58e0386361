package e2e

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mcpgate/mcpgate/test/parts"
)

// startHAProxy runs HAProxy in the foreground on front (a loopback port),
// balancing HTTP requests round-robin over backends (host:port each). It
// checks every backend's /healthz every 200 ms and takes one out after two
// failures; a request whose connection to a backend fails is sent to
// another.
func startHAProxy(ctx context.Context, t *testing.T, front string, backends []string) {
	t.Helper()
	bin := haproxyBinary(t)
	var servers strings.Builder
	for i, b := range backends {
		fmt.Fprintf(&servers, "  server r%d %s check inter 200ms fall 2 rise 2\n", i, b)
	}
	cfg := `global
  maxconn 4096
defaults
  mode http
  timeout connect 2s
  timeout client 60s
  timeout server 60s
  retries 3
  option redispatch 1
frontend mcp
  bind ` + front + `
  default_backend replicas
backend replicas
  balance roundrobin
  option httpchk
  http-check send meth GET uri /healthz ver HTTP/1.1 hdr Host 127.0.0.1
  http-check expect status 200
` + servers.String()
	path := filepath.Join(t.TempDir(), "haproxy.cfg")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-db", "-f", path)
	var out syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
	})
	hc := &http.Client{Timeout: 2 * time.Second}
	for {
		resp, err := hc.Get("http://" + front + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		select {
		case <-exited:
			t.Fatalf("haproxy exited: %s", out.String())
		case <-ctx.Done():
			t.Fatalf("haproxy not answering /healthz: %v\n%s", err, out.String())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// haproxyBinary finds HAProxy, or ends the test as parts says.
func haproxyBinary(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("haproxy")
	if err != nil {
		parts.Missing(t, parts.HAProxy, "apt-get install -y haproxy")
	}
	return bin
}
