package auditfwd

import (
	"bufio"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mcpgate/mcpgate/pkg/audit"
	"github.com/mcpgate/mcpgate/test/testca"
)

// tlsReceiver is a TLS syslog listener with a certificate for siem.test
// from a CA of its own, whose PEM is in caFile.
func tlsReceiver(t *testing.T) (ln net.Listener, caFile string) {
	t.Helper()
	ca := testca.New(t, "test CA")
	caFile = filepath.Join(t.TempDir(), "ca.pem")
	testca.WriteFile(t, caFile, ca.PEM)
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{ca.TLSCertificate(t, "siem.test")}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln, caFile
}

// readFrames reads n octet-counted frames (RFC 6587 3.4.1).
func readFrames(t *testing.T, r *bufio.Reader, n int) []string {
	t.Helper()
	var out []string
	for range n {
		size, err := r.ReadString(' ')
		if err != nil {
			t.Fatalf("read frame length: %v", err)
		}
		l, err := strconv.Atoi(strings.TrimSuffix(size, " "))
		if err != nil {
			t.Fatalf("frame length %q: %v", size, err)
		}
		msg := make([]byte, l)
		if _, err := io.ReadFull(r, msg); err != nil {
			t.Fatal(err)
		}
		out = append(out, string(msg))
	}
	return out
}

func testBatch(seq int64) Batch {
	return Batch{Format: BatchFormat, Records: []Record{{UserID: "u1", User: "alice", Seq: seq, Time: "2026-01-02T03:04:05.123456Z",
		Tool: "github_get_repo", Arguments: `{"repo":"a]b\"c"}`, Decision: "allow", Rule: "default-allow", Outcome: "ok", Hash: fmt.Sprint("h", seq)}},
		Checkpoints: []audit.Checkpoint{{Format: audit.CheckpointFormat, UserID: "u1", User: "alice", Seq: seq, Hash: fmt.Sprint("h", seq), Count: seq,
			Time: time.Date(2026, 1, 2, 3, 4, 5, 6000, time.UTC), PublicKey: "pk", Signature: "sig"}}}
}

func TestSyslogOverTLSIsOctetCountedRFC5424(t *testing.T) {
	ln, caFile := tlsReceiver(t)
	s, err := NewSyslog("syslog", SyslogOptions{Address: ln.Addr().String(), TLS: true, CAFile: caFile, ServerName: "siem.test"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	accepted := make(chan net.Conn, 2)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.(*tls.Conn).Handshake()
			accepted <- c
		}
	}()
	if err := s.Send(t.Context(), testBatch(1)); err != nil {
		t.Fatal(err)
	}
	c := <-accepted
	frames := readFrames(t, bufio.NewReader(c), 2)
	st, err := ParseStream(strings.NewReader(strings.Join(frames, "\n")))
	if err != nil {
		t.Fatalf("parse what was sent: %v\n%s", err, strings.Join(frames, "\n"))
	}
	if len(st.Records) != 1 || st.Records[0] != (Seen{UserID: "u1", Seq: 1, Hash: "h1"}) || len(st.Checkpoints) != 1 || st.Checkpoints[0] != testBatch(1).Checkpoints[0] {
		t.Errorf("parsed %+v", st)
	}
	if !strings.HasPrefix(frames[0], "<110>1 2026-01-02T03:04:05.123456Z ") || !strings.Contains(frames[0], ` mcpgate `) {
		t.Errorf("header: %s", frames[0])
	}

	// The receiver closes the connection: the next batch goes on a new one.
	c.Close()
	time.Sleep(50 * time.Millisecond)
	if err := s.Send(t.Context(), testBatch(2)); err != nil {
		t.Fatal(err)
	}
	select {
	case c2 := <-accepted:
		if got := readFrames(t, bufio.NewReader(c2), 1)[0]; !strings.Contains(got, `seq="2"`) {
			t.Errorf("after reconnecting: %s", got)
		}
		c2.Close()
	case <-time.After(5 * time.Second):
		t.Fatal("no new connection after the receiver closed the first")
	}
}

func TestSyslogRefusesACertificateForAnotherName(t *testing.T) {
	ln, caFile := tlsReceiver(t)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.(*tls.Conn).Handshake()
			c.Close()
		}
	}()
	s, err := NewSyslog("syslog", SyslogOptions{Address: ln.Addr().String(), TLS: true, CAFile: caFile, ServerName: "other.test"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Send(t.Context(), testBatch(1)); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("Send to a certificate for another name: %v", err)
	}
}

func TestSyslogCutsLongArgumentsToTheMessageLimit(t *testing.T) {
	s, err := NewSyslog("syslog", SyslogOptions{Address: "127.0.0.1:1", MaxMessage: 2048})
	if err != nil {
		t.Fatal(err)
	}
	r := testBatch(1).Records[0]
	r.Arguments = `{"x":"` + strings.Repeat("é", 5000) + `"}`
	sd := s.recordSD(r)
	if len(sd) > 2048 || !strings.Contains(sd, `truncated="arguments"`) {
		t.Errorf("element of %d bytes, truncated marker %v", len(sd), strings.Contains(sd, "truncated"))
	}
	if _, params, err := parseElement(sd); err != nil || params["hash"] != "h1" {
		t.Errorf("the cut element does not parse: %v", err)
	}
}
