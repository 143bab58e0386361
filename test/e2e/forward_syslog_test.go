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

// startRsyslog starts rsyslogd on port (0: any free port).
func startRsyslog(t *testing.T, dir string, port int) *rsyslog {
	t.Helper()
	if _, err := os.Stat(rsyslogd); err != nil {
		parts.Missing(t, parts.Rsyslog, "apt-get install -y rsyslog")
	}
	r := &rsyslog{dir: dir, out: filepath.Join(dir, "siem.log")}
	portFile := filepath.Join(dir, "port")
	os.Remove(portFile)
	conf := fmt.Sprintf(`global(workDirectory=%q maxMessageSize="64k")
module(load="imtcp")
input(type="imtcp" address="127.0.0.1" port="%d" listenPortFileName=%q)
action(type="omfile" file=%q template="RSYSLOG_SyslogProtocol23Format")
`, dir, port, portFile, r.out)
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
	if port != 0 {
		r.port = port
		waitWithin(t, "rsyslogd to listen", 10*time.Second, func() bool {
			c, err := net.Dial("tcp", "127.0.0.1:"+strconv.Itoa(port))
			if err == nil {
				c.Close()
			}
			return err == nil
		})
		return r
	}
	waitWithin(t, "rsyslogd's port", 10*time.Second, func() bool {
		b, err := os.ReadFile(portFile)
		if err != nil || len(strings.TrimSpace(string(b))) == 0 {
			return false
		}
		r.port, err = strconv.Atoi(strings.TrimSpace(string(b)))
		return err == nil && r.port > 0
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
	// Find a free port by starting rsyslogd once, then stop it: the sink
	// is down while the first calls are made.
	first := startRsyslog(t, dir, 0)
	port := first.port
	first.stop()
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
	out, err := runCLI(t, g, nil, "audit", "verify", "--all-users", "--against", r.out)
	if err != nil {
		t.Fatalf("verify --against rsyslog's file: %v\n%s", err, out)
	}
	t.Logf("verify --against rsyslog's file: %s", strings.TrimSpace(out))

	deleteNewest(t, g, 1)
	out, err = runCLI(t, g, nil, "audit", "verify", "--all-users", "--against", r.out)
	if err == nil || !strings.Contains(out, "tampered") {
		t.Fatalf("verify --against rsyslog's file after truncation: %v\n%s", err, out)
	}
	t.Logf("after truncation: %s", strings.TrimSpace(out))
}
