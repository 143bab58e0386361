package e2e

import (
	"bufio"
	"context"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mcpgate/mcpgate/pkg/mcpauth/mcpauthtest"
	"github.com/mcpgate/mcpgate/pkg/oauth"
)

// readmeMCPExamples returns the `connect add mcp` commands of the sh
// blocks of README.md's section "MCP servers behind OAuth".
func readmeMCPExamples(t *testing.T) []string {
	t.Helper()
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(readme), "### MCP servers behind OAuth\n")
	if !ok {
		t.Fatal("README.md has no section \"MCP servers behind OAuth\"")
	}
	if i := regexp.MustCompile("(?m)^#").FindStringIndex(section); i != nil {
		section = section[:i[0]]
	}
	var out []string
	for _, block := range regexp.MustCompile("(?s)```sh\n(.*?)```").FindAllStringSubmatch(section, -1) {
		for _, line := range strings.Split(block[1], "\n") {
			if strings.HasPrefix(line, "mcpgate connect add mcp ") {
				out = append(out, line)
			}
		}
	}
	if len(out) != 3 {
		t.Fatalf("found %d `connect add mcp` examples in README.md's OAuth section, want 3", len(out))
	}
	return out
}

// TestConnectMCPServerBehindOAuth runs README.md's `connect add mcp`
// examples with the mcpgate binary and a headless browser against a go-sdk
// MCP server behind the go-sdk's auth middleware, whose authorization
// server offers dynamic registration and sends iss: through serve's
// callback, through --local, with a client registered by hand; then a
// step-up, answered by the command the error names.
func TestConnectMCPServerBehindOAuth(t *testing.T) {
	bin := mcpgateBinary(t)
	examples := readmeMCPExamples(t)
	_, port, _ := net.SplitHostPort(freePort(t))
	const handSecret = "hand-registered-secret-CANARY-5d1e"
	as := mcpauthtest.NewAS(mcpauthtest.ASOptions{DCR: true, IssParameter: true})
	t.Cleanup(as.Close)
	as.PreRegister("mcpgate-prod", handSecret, "http://127.0.0.1:"+port+oauth.CallbackPath)
	m := mcpauthtest.NewMCP(as, mcpauthtest.MCPOptions{})
	t.Cleanup(m.Close)
	addr := freePort(t)
	g := startGateway(t, "MCPGATE_LISTEN="+addr, "MCPGATE_PUBLIC_URL=http://"+addr, "MCPGATE_UPSTREAM_OAUTH_ALLOW_HTTP_LOOPBACK=true")
	work := t.TempDir()
	if err := os.WriteFile(filepath.Join(work, "client-secret.txt"), []byte(handSecret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	connect := func(line string) {
		t.Helper()
		args := shellWords(strings.ReplaceAll(line, "https://mcp.example.com/mcp", m.URL))[1:]
		if strings.Contains(line, "--local") {
			args = append(args, "--local-port", port)
		}
		cmd := exec.CommandContext(ctx, bin, args...)
		cmd.Dir = work
		cmd.Env = append(os.Environ(), "MCPGATE_DATA_DIR="+g.Config.DataDir, "MCPGATE_PUBLIC_URL="+g.Config.PublicURL,
			"MCPGATE_UPSTREAM_OAUTH_ALLOW_HTTP_LOOPBACK=true")
		stdout, _ := cmd.StdoutPipe()
		var stderr strings.Builder
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(stdout)
		var authURL string
		for sc.Scan() {
			if l := strings.TrimSpace(sc.Text()); strings.HasPrefix(l, "http") {
				authURL = l
				break
			}
		}
		if authURL == "" {
			cmd.Wait()
			t.Fatalf("%s: printed no authorization URL; stderr: %s", line, stderr.String())
		}
		if page := browser(t, authURL); !strings.Contains(page, "Connected mcp") {
			t.Fatalf("%s: callback page: %s", line, page)
		}
		rest, _ := io.ReadAll(stdout)
		if err := cmd.Wait(); err != nil {
			t.Fatalf("%s: %v\n%s\n%s", line, err, rest, stderr.String())
		}
		if !strings.Contains(string(rest), `(connection "tracker"`) {
			t.Fatalf("%s: output %s", line, rest)
		}
	}

	for i, line := range examples {
		connect(line)
		counts, resources := as.Snapshot()
		wantReg := min(i+1, 2) // the third example brings its own client
		if counts.Registrations != wantReg || counts.Exchanges != i+1 {
			t.Fatalf("after %q: %+v, want %d registrations and %d exchanges", line, counts, wantReg, i+1)
		}
		for _, r := range resources {
			if r != m.URL {
				t.Fatalf("a request carried resource %q, want %q", r, m.URL)
			}
		}
	}

	// The other connection commands work on it and print no token.
	for _, args := range [][]string{{"connect", "list"}, {"connect", "test", "tracker"}, {"connect", "tools", "tracker"}} {
		cmd := exec.CommandContext(ctx, bin, args...)
		cmd.Env = append(os.Environ(), "MCPGATE_DATA_DIR="+g.Config.DataDir)
		out, err := cmd.CombinedOutput()
		if err != nil || !strings.Contains(string(out), "tracker") && !strings.Contains(string(out), "whoami") ||
			regexp.MustCompile(`[ar]t-[0-9a-f]{32}`).MatchString(string(out)) {
			t.Fatalf("mcpgate %v: %v\n%s", args, err, out)
		}
	}

	// Through serve: /mcp/tracker and /mcp reach the server with the
	// connection's token, refreshed after the server refuses it.
	one := g.connectTo(t, g.endpoint("tracker"), nil)
	if r := call(t, one, "whoami", nil); r.IsError || !strings.Contains(text(r), `"mcp"`) {
		t.Fatalf("whoami through /mcp/tracker: %s", text(r))
	}
	as.ExpireAccessTokens()
	agg := g.connectTo(t, g.URL, nil)
	if r := call(t, agg, "tracker_whoami", nil); r.IsError {
		t.Fatalf("tracker_whoami after the token expired: %s", text(r))
	}
	if counts, _ := as.Snapshot(); counts.Refreshes != 1 {
		t.Fatalf("refreshes = %d, want 1", counts.Refreshes)
	}

	// Step-up: the server now wants more; the error names the command.
	m.Require("mcp", "admin")
	msg := ""
	if r, err := agg.CallTool(ctx, &mcp.CallToolParams{Name: "tracker_whoami"}); err != nil {
		msg = err.Error()
	} else if r.IsError {
		msg = text(r)
	}
	cmdline := regexp.MustCompile("`(mcpgate connect add mcp [^`]*)`").FindStringSubmatch(msg)
	if !strings.Contains(msg, "insufficient_scope") || cmdline == nil || !strings.Contains(cmdline[1], `--scopes "mcp admin"`) {
		t.Fatalf("call after step-up: %q", msg)
	}
	connect(strings.ReplaceAll(cmdline[1], m.URL, "https://mcp.example.com/mcp") + " --local")
	c, err := g.App.Store.User(g.Owner.ID).Connection(ctx, "tracker")
	if err != nil || c.Scopes != "mcp admin" {
		t.Fatalf("scopes after re-authorisation = %q (%v)", c.Scopes, err)
	}
	if r := call(t, g.connectTo(t, g.URL, nil), "tracker_whoami", nil); r.IsError || !strings.Contains(text(r), `"admin"`) {
		t.Fatalf("tracker_whoami after re-authorisation: %s", text(r))
	}

	db, _ := os.ReadFile(g.DBPath)
	wal, _ := os.ReadFile(g.DBPath + "-wal")
	for _, leak := range []string{handSecret, "dcr-secret-", `"access_token"`, `"refresh_token"`} {
		if strings.Contains(string(db)+string(wal), leak) {
			t.Fatalf("the database holds %q unsealed", leak)
		}
	}
}

// shellWords splits a command line as sh does for the README's examples:
// at spaces, except within double quotes.
func shellWords(line string) []string {
	var out []string
	var cur strings.Builder
	quoted, in := false, false
	for _, r := range line {
		switch {
		case r == '"':
			quoted, in = !quoted, true
		case r == ' ' && !quoted:
			if in {
				out = append(out, cur.String())
				cur.Reset()
				in = false
			}
		default:
			cur.WriteRune(r)
			in = true
		}
	}
	if in {
		out = append(out, cur.String())
	}
	return out
}
