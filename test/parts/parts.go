// Package parts lets a test that needs an optional part of the machine
// (headless Chromium, a PostgreSQL server, HAProxy) skip with one line that says
// what to install, so the README's `make test` passes on a machine with
// only Go and Node.js. Where the part is required — MCPGATE_TEST_REQUIRE
// names it, as .ci/run does — its absence fails the test instead.
package parts

import (
	"os"
	"strings"
	"testing"
)

// EnvRequire lists the parts whose absence fails a test, comma-separated:
// "postgres,chromium".
const EnvRequire = "MCPGATE_TEST_REQUIRE"

// Parts a test may need.
const (
	Chromium = "chromium"
	Postgres = "postgres"
	HAProxy  = "haproxy"
	Tmpfs    = "tmpfs"
	Rsyslog  = "rsyslog"
	// RsyslogGnuTLS is rsyslog's TLS stream driver, lmnsd_gtls.so.
	RsyslogGnuTLS = "rsyslog-gnutls"
)

// Required reports whether MCPGATE_TEST_REQUIRE names part.
func Required(part string) bool {
	for _, p := range strings.Split(os.Getenv(EnvRequire), ",") {
		if strings.TrimSpace(p) == part {
			return true
		}
	}
	return false
}

// Missing ends the test because part is not on this machine: a skip with
// the one line "needs PART: HOW", or a failure when the part is required.
// The summary of `make test` lists the skips by that prefix.
func Missing(t testing.TB, part, how string) {
	t.Helper()
	msg := "needs " + part + ": " + how
	if Required(part) {
		t.Fatalf("%s (%s=%s makes it required)", msg, EnvRequire, os.Getenv(EnvRequire))
	}
	t.Skip(msg)
}
