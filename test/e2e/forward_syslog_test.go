package e2e

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mcpgate/mcpgate/test/parts"
)

const rsyslogd = "/usr/sbin/rsyslogd"

// rsyslog is a real rsyslogd, unprivileged, with its own config: imtcp on
// a loopback port, every message written to a file in RFC 5424 format.
type rsyslog struct {
	dir, out string
	port     int
	cmd      *exec.Cmd
}

// startRsyslog starts rsyslogd on port with the README's configuration,
// its file and port replaced, and a work directory of its own.
func startRsyslog(t *testing.T, dir string, port int) *rsyslog {
	t.Helper()
	return startRsyslogConf(t, dir, port, readmeForward(t, "rsyslog")[0], nil)
}

// startRsyslogConf starts rsyslogd on port with conf, its port, its file
// and each of subs replaced.
func startRsyslogConf(t *testing.T, dir string, port int, conf string, subs [][2]string) *rsyslog {
	t.Helper()
	if _, err := os.Stat(rsyslogd); err != nil {
		parts.Missing(t, parts.Rsyslog, "apt-get install -y rsyslog")
	}
	r := &rsyslog{dir: dir, out: filepath.Join(dir, "siem.log"), port: port}
	subs = append([][2]string{{`port="6514"`, fmt.Sprintf(`port="%d"`, port)}, {"/var/log/mcpgate-audit.log", r.out}}, subs...)
	for _, sub := range subs {
		if !strings.Contains(conf, sub[0]) {
			t.Fatalf("the README's rsyslog example has no %s", sub[0])
		}
		conf = strings.ReplaceAll(conf, sub[0], sub[1])
	}
	conf = fmt.Sprintf("global(workDirectory=%q)\n", dir) + conf
	confFile := filepath.Join(dir, "rsyslog.conf")
	if err := os.WriteFile(confFile, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	r.cmd = exec.Command(rsyslogd, "-n", "-f", confFile, "-i", filepath.Join(dir, "rsyslogd.pid"))
	r.cmd.Stdout, r.cmd.Stderr = os.Stderr, os.Stderr
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.stop)
	waitWithin(t, "rsyslogd to listen", 10*time.Second, func() bool {
		c, err := net.Dial("tcp", "127.0.0.1:"+strconv.Itoa(port))
		if err == nil {
			c.Close()
		}
		return err == nil
	})
	return r
}

func (r *rsyslog) stop() {
	if r.cmd.Process != nil && r.cmd.ProcessState == nil {
		r.cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { r.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			r.cmd.Process.Kill()
			<-done
		}
	}
}

// seqsIn counts the distinct mcpgate audit records in the file.
func seqsIn(t *testing.T, file string) map[string]int {
	b, _ := os.ReadFile(file)
	seen := map[string]int{}
	for _, l := range strings.Split(string(b), "\n") {
		if i := strings.Index(l, ` seq="`); i >= 0 && strings.Contains(l, "[audit@32473 ") {
			j := strings.IndexByte(l[i+6:], '"')
			seen[l[i+6:i+6+j]]++
		}
	}
	return seen
}

func TestForwardSyslogToRsyslog(t *testing.T) {
	if _, err := os.Stat(rsyslogd); err != nil {
		parts.Missing(t, parts.Rsyslog, "apt-get install -y rsyslog")
	}
	dir := t.TempDir()
	// rsyslogd is not started yet: the sink is down while the first calls
	// are made.
	_, p, _ := net.SplitHostPort(freePort(t))
	port, _ := strconv.Atoi(p)
	env := []string{
		"MCPGATE_AUDIT_FORWARD_SYSLOG_ADDRESS=127.0.0.1:" + strconv.Itoa(port),
		"MCPGATE_AUDIT_FORWARD_POLL=100ms",
		"MCPGATE_AUDIT_FORWARD_MAX_BACKOFF=300ms",
		"MCPGATE_AUDIT_FORWARD_BATCH=40",
	}
	g := startGateway(t, env...)
	s := g.session(t)
	// Arguments with the characters RFC 5424 escapes in a value.
	call(t, s, "github_list_issues", map[string]any{"owner": "octocat", "repo": `he"llo]\wor`})
	callN(t, g, 24)
	waitWithin(t, "a failed delivery", 5*time.Second, func() bool {
		return metric(t, g, `mcpgate_audit_forward_failures_total{sink="syslog"}`) != ""
	})

	r := startRsyslog(t, dir, port)
	want := len(localSeqs(t, g))
	waitWithin(t, "every record in rsyslog's file", 15*time.Second, func() bool { return len(seqsIn(t, r.out)) == want })

	// rsyslogd restarted between batches: the next batch goes on a new
	// connection.
	r.stop()
	r = startRsyslog(t, dir, port)
	callN(t, g, 10)
	want = len(localSeqs(t, g))
	waitWithin(t, "the records after rsyslog's restart", 15*time.Second, func() bool { return len(seqsIn(t, r.out)) == want })
	for seq, n := range seqsIn(t, r.out) {
		if n > 1 {
			t.Logf("record %s arrived %d times", seq, n)
		}
	}
	raw, _ := os.ReadFile(r.out)
	// The error names the value as Go quotes it: repo "he\"llo]\\wor".
	if !strings.Contains(string(raw), `repo \"he\\\"llo\]\\\\wor\"`) {
		t.Errorf("the escaped arguments are not in rsyslog's file as sent:\n%s", raw)
	}
	if strings.Contains(string(raw), canary) {
		t.Fatal("the forwarded stream holds the credential")
	}

	g.stop()
	verify := readmeVerify(t, "rsyslog", r.out)
	out, err := runCLI(t, g, nil, verify...)
	if err != nil {
		t.Fatalf("verify --against rsyslog's file: %v\n%s", err, out)
	}
	t.Logf("verify --against rsyslog's file: %s", strings.TrimSpace(out))

	deleteNewest(t, g, 1)
	out, err = runCLI(t, g, nil, verify...)
	if err == nil || !strings.Contains(out, "tampered") {
		t.Fatalf("verify --against rsyslog's file after truncation: %v\n%s", err, out)
	}
	t.Logf("after truncation: %s", strings.TrimSpace(out))
}

// readmeForward returns the fenced blocks of README.md's section
// "Forwarding to a SIEM" in the language lang.
func readmeForward(t *testing.T, lang string) []string {
	t.Helper()
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, sec, ok := strings.Cut(string(readme), "### Forwarding to a SIEM\n")
	if !ok {
		t.Fatal(`README.md has no section "Forwarding to a SIEM"`)
	}
	sec, _, _ = strings.Cut(sec, "\n#")
	var out []string
	for {
		var block string
		_, sec, ok = strings.Cut(sec, "```"+lang+"\n")
		if !ok {
			break
		}
		block, sec, _ = strings.Cut(sec, "```")
		out = append(out, block)
	}
	if len(out) == 0 {
		t.Fatalf("no %s block in README.md's section \"Forwarding to a SIEM\"", lang)
	}
	return out
}

// readmeVerify returns the arguments of the README's `audit verify
// --against` example whose comment contains which, the stream's path
// replaced by file.
func readmeVerify(t *testing.T, which, file string) []string {
	t.Helper()
	for _, line := range strings.Split(readmeForward(t, "sh")[0], "\n") {
		cmd, comment, _ := strings.Cut(line, "#")
		if !strings.Contains(comment, which) {
			continue
		}
		args := strings.Fields(cmd)
		if len(args) < 2 || args[0] != "mcpgate" || args[len(args)-2] != "--against" {
			t.Fatalf("README example %q is not `mcpgate ... --against FILE`", line)
		}
		args = args[1:]
		args[len(args)-1] = file
		return args
	}
	t.Fatalf("no README verify example for %q", which)
	return nil
}
