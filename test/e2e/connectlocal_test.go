package e2e

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/url"
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

// TestConnectWaitsForServe runs `mcpgate connect add dropbox` against a
// running gateway: the CLI prints the URL and waits; the browser's
// callback reaches serve, which stores the token; the CLI sees it and
// prints the account.
func TestConnectWaitsForServe(t *testing.T) {
	bin := mcpgateBinary(t)
	g, _ := startOAuthGateway(t)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "connect", "add", "dropbox", "--name", "files")
	// The CLI reads the same settings as serve: data dir, public URL, OAuth app.
	cmd.Env = append(os.Environ(), "MCPGATE_DATA_DIR="+g.Config.DataDir, "MCPGATE_PUBLIC_URL="+g.Config.PublicURL,
		"MCPGATE_CONNECTORS_DROPBOX_CLIENT_ID="+g.Config.Connectors["dropbox"].ClientID,
		"MCPGATE_CONNECTORS_DROPBOX_CLIENT_SECRET="+g.Config.Connectors["dropbox"].ClientSecret,
		"MCPGATE_CONNECTORS_DROPBOX_AUTH_URL="+g.Config.Connectors["dropbox"].AuthURL,
		"MCPGATE_CONNECTORS_DROPBOX_TOKEN_URL="+g.Config.Connectors["dropbox"].TokenURL,
		"MCPGATE_CONNECTORS_DROPBOX_API_URL="+g.Config.Connectors["dropbox"].APIURL)
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
	if !strings.Contains(authURL, "redirect_uri="+url.QueryEscape(g.Config.PublicURL+"/oauth/callback")) {
		t.Fatalf("authorization URL %q does not send the browser back to serve", authURL)
	}
	if page := browser(t, authURL); !strings.Contains(page, "Connected dropbox") {
		t.Fatalf("callback page: %s", page)
	}
	rest, _ := io.ReadAll(stdout)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("connect add: %v\n%s", err, rest)
	}
	if !strings.Contains(string(rest), `connected dropbox as `+dropboxfake.Email+` (connection "files")`) {
		t.Fatalf("CLI output: %s", rest)
	}
}
