package e2e

import (
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mcpgate/mcpgate/test/parts"
	"github.com/mcpgate/mcpgate/test/testca"
)

// caFile writes ca's certificate to dir and returns its path.
func caFile(t *testing.T, dir, name string, ca *testca.CA) string {
	t.Helper()
	file := filepath.Join(dir, name+".pem")
	testca.WriteFile(t, file, ca.PEM)
	return file
}

// startRsyslogTLS starts rsyslogd with the README's TLS configuration, its
// certificate for localhost signed by ca, whose certificate is at caPath.
func startRsyslogTLS(t *testing.T, dir string, port int, ca *testca.CA, caPath string) *rsyslog {
	t.Helper()
	if m, _ := filepath.Glob("/usr/lib/*/rsyslog/lmnsd_gtls.so"); len(m) == 0 {
		parts.Missing(t, parts.RsyslogGnuTLS, "apt-get install -y rsyslog-gnutls")
	}
	blocks := readmeForward(t, "rsyslog")
	var conf string
	for _, b := range blocks {
		if strings.Contains(b, `streamDriver.name="gtls"`) {
			conf = b
		}
	}
	if conf == "" {
		t.Fatal(`no rsyslog block with streamDriver.name="gtls" in README.md's section "Forwarding to a SIEM"`)
	}
	certPEM, keyPEM := ca.Issue(t, "localhost", "127.0.0.1")
	certFile, keyFile := filepath.Join(dir, "server-cert.pem"), filepath.Join(dir, "server-key.pem")
	testca.WriteFile(t, certFile, certPEM)
	testca.WriteFile(t, keyFile, keyPEM)
	return startRsyslogConf(t, dir, port, conf, [][2]string{
		{"/etc/rsyslog.d/siem-ca.pem", caPath},
		{"/etc/rsyslog.d/siem-cert.pem", certFile},
		{"/etc/rsyslog.d/siem-key.pem", keyFile},
	})
}

func TestForwardSyslogTLSToRsyslog(t *testing.T) {
	if _, err := os.Stat(rsyslogd); err != nil {
		parts.Missing(t, parts.Rsyslog, "apt-get install -y rsyslog")
	}
	dir := t.TempDir()
	ca := testca.New(t, "siem-ca")
	caPath, otherPath := caFile(t, dir, "siem-ca", ca), caFile(t, dir, "other-ca", testca.New(t, "other-ca"))
	_, p, _ := net.SplitHostPort(freePort(t))
	port, _ := strconv.Atoi(p)
	r := startRsyslogTLS(t, dir, port, ca, caPath)

	g := startGateway(t,
		"MCPGATE_AUDIT_FORWARD_SYSLOG_ADDRESS=127.0.0.1:"+strconv.Itoa(port),
		"MCPGATE_AUDIT_FORWARD_SYSLOG_TLS=true",
		"MCPGATE_AUDIT_FORWARD_SYSLOG_CA_FILE="+caPath,
		"MCPGATE_AUDIT_FORWARD_SYSLOG_SERVER_NAME=localhost",
		"MCPGATE_AUDIT_FORWARD_POLL=100ms",
		"MCPGATE_AUDIT_FORWARD_MAX_BACKOFF=300ms",
		"MCPGATE_AUDIT_FORWARD_BATCH=40",
	)
	t.Cleanup(func() {
		if t.Failed() {
			for _, l := range strings.Split(g.Logs.String(), "\n") {
				if strings.Contains(l, "forward") {
					t.Log(l)
				}
			}
		}
	})
	callN(t, g, 15)
	want := len(localSeqs(t, g))
	waitWithin(t, "every record in rsyslog's file over TLS", 15*time.Second, func() bool { return len(seqsIn(t, r.out)) == want })
	t.Logf("%d records arrived over TLS", want)

	// A CA that did not sign rsyslog's certificate, then the right CA
	// with a name the certificate is not for: nothing is delivered, the
	// backlog grows.
	backlog := 0
	for _, bad := range []struct{ what, caFile, name string }{
		{"a CA that did not sign the certificate", otherPath, "localhost"},
		{"a server_name the certificate is not for", caPath, "siem.example.com"},
	} {
		g.Config.Audit.Forward.Syslog.CAFile = bad.caFile
		g.Config.Audit.Forward.Syslog.ServerName = bad.name
		g.restart(t)
		failures := metric(t, g, `mcpgate_audit_forward_failures_total{sink="syslog"}`)
		callN(t, g, 8)
		backlog += 8
		line := `mcpgate_audit_forward_backlog{sink="syslog"} ` + strconv.Itoa(backlog)
		waitWithin(t, "a failed delivery with "+bad.what, 5*time.Second, func() bool {
			f := metric(t, g, `mcpgate_audit_forward_failures_total{sink="syslog"}`)
			return f != "" && f != failures
		})
		waitWithin(t, line+" in /metrics with "+bad.what, 5*time.Second, func() bool {
			return metric(t, g, `mcpgate_audit_forward_backlog{sink="syslog"}`) == line
		})
		// Several more tries, none of which may get through.
		time.Sleep(time.Second)
		if got := len(seqsIn(t, r.out)); got != want {
			t.Fatalf("with %s rsyslog's file has %d records, want the %d sent before", bad.what, got, want)
		}
		t.Logf("with %s: nothing delivered, %s", bad.what, metric(t, g, `mcpgate_audit_forward_backlog{sink="syslog"}`))
	}

	// The config corrected and serve restarted: nothing was lost.
	g.Config.Audit.Forward.Syslog.CAFile = caPath
	g.Config.Audit.Forward.Syslog.ServerName = "localhost"
	g.restart(t)
	want = len(localSeqs(t, g))
	waitWithin(t, "the backlog in rsyslog's file", 15*time.Second, func() bool { return len(seqsIn(t, r.out)) == want })
	waitWithin(t, "an empty backlog", 5*time.Second, func() bool {
		return metric(t, g, `mcpgate_audit_forward_backlog{sink="syslog"}`) == `mcpgate_audit_forward_backlog{sink="syslog"} 0`
	})
	raw, _ := os.ReadFile(r.out)
	if strings.Contains(string(raw), canary) {
		t.Fatal("the forwarded stream holds the credential")
	}

	g.stop()
	out, err := runCLI(t, g, nil, readmeVerify(t, "rsyslog", r.out)...)
	if err != nil {
		t.Fatalf("verify --against rsyslog's file: %v\n%s", err, out)
	}
	t.Logf("verify --against rsyslog's file: %s", strings.TrimSpace(out))
}
