package e2e

import (
	"bufio"
	"context"
	"io"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/mcpgate/mcpgate/pkg/connector/dropbox/dropboxfake"
)

// TestConnectLocalWithBrowser runs `mcpgate connect add dropbox --local`
// as a person on a laptop would: the CLI prints the URL, the browser
// (headless Chromium) approves at the provider, and the CLI's loopback
// listener receives the callback.
func TestConnectLocalWithBrowser(t *testing.T) {
	bin := mcpgateBinary(t)
	fake := dropboxfake.New(dropboxToken)
	t.Cleanup(fake.Close)
	dir := t.TempDir()
	_, port, _ := net.SplitHostPort(freePort(t))
	env := append(os.Environ(),
		"MCPGATE_DATA_DIR="+dir,
		"MCPGATE_CONNECTORS_DROPBOX_CLIENT_ID="+fake.ClientID,
		"MCPGATE_CONNECTORS_DROPBOX_CLIENT_SECRET="+fake.ClientSecret,
		"MCPGATE_CONNECTORS_DROPBOX_AUTH_URL="+fake.AuthURL,
		"MCPGATE_CONNECTORS_DROPBOX_TOKEN_URL="+fake.TokenURL,
		"MCPGATE_CONNECTORS_DROPBOX_API_URL="+fake.URL,
	)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	run := func(args ...string) string {
		cmd := exec.CommandContext(ctx, bin, args...)
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("mcpgate %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	run("init")

	cmd := exec.CommandContext(ctx, bin, "connect", "add", "dropbox", "--local", "--local-port", port)
	cmd.Env = env
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stdout)
	var authURL string
	for sc.Scan() {
		if line := strings.TrimSpace(sc.Text()); strings.HasPrefix(line, "http") {
			authURL = line
			break
		}
	}
	if authURL == "" {
		t.Fatal("the CLI printed no authorization URL")
	}
	page := browser(t, authURL)
	rest, _ := io.ReadAll(stdout)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("connect add --local: %v\n%s", err, rest)
	}
	if !strings.Contains(page, "Connected dropbox") || !strings.Contains(string(rest), "connected dropbox as "+dropboxfake.Email) {
		t.Fatalf("page %q, CLI %q", page, rest)
	}
	if out := run("connect", "list"); !strings.Contains(out, "oauth2") || strings.Contains(out, "sl.u.") {
		t.Fatalf("connect list: %s", out)
	}
	if out := run("connect", "test", "dropbox"); !strings.Contains(out, "ok, authenticated as "+dropboxfake.Email) {
		t.Fatalf("connect test: %s", out)
	}
	if out := run("connect", "remove", "dropbox", "--yes"); !strings.Contains(out, "removed connection dropbox") || strings.Contains(out, "warning") {
		t.Fatalf("connect remove: %s", out)
	}
}
