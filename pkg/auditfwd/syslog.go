package auditfwd

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// SDEnterprise is the private enterprise number in the structured data
// ids (RFC 5424 section 7.2.2): 32473, the one RFC 5612 reserves for
// documentation and examples, as mcpgate has none of its own.
const SDEnterprise = "32473"

// The SD-IDs of a record's and a checkpoint's element.
const (
	sdRecord     = "audit@" + SDEnterprise
	sdCheckpoint = "checkpoint@" + SDEnterprise
	appName      = "mcpgate"
	// priority is facility 13 (log audit), severity 6 (informational).
	priority = 13*8 + 6
)

// SyslogOptions configure a syslog sink.
type SyslogOptions struct {
	Address    string // host:port of the TCP listener
	TLS        bool
	CAFile     string // PEM roots to trust (default: the system's)
	ServerName string // the name the certificate must carry (default: the address's host)
	// MaxMessage bounds one message in bytes (the receiver's limit:
	// rsyslog's maxMessageSize); a record's arguments are cut to fit, and
	// the element then says truncated="arguments".
	MaxMessage int
	Timeout    time.Duration
}

// Syslog sends each record, and each checkpoint, as one RFC 5424 message
// over one TCP (or TLS) connection, framed by octet counting (RFC 6587
// 3.4.1). TCP syslog has no acknowledgement: a batch counts as delivered
// once written, and the connection is checked for a close by the peer
// before each batch, so a receiver that restarted between batches gets
// the next one on a new connection.
type Syslog struct {
	name     string
	opts     SyslogOptions
	tls      *tls.Config
	hostname string
	procID   string
	conn     net.Conn
}

// NewSyslog returns a sink named name (its cursors' name).
func NewSyslog(name string, o SyslogOptions) (*Syslog, error) {
	if _, _, err := net.SplitHostPort(o.Address); err != nil {
		return nil, fmt.Errorf("syslog sink %s: address %q: %w", name, o.Address, err)
	}
	if o.MaxMessage <= 0 {
		o.MaxMessage = 64 << 10
	}
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	s := &Syslog{name: name, opts: o, procID: strconv.Itoa(os.Getpid())}
	host, _ := os.Hostname()
	s.hostname = printable(host, 255)
	if o.TLS {
		cfg := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: o.ServerName}
		if cfg.ServerName == "" {
			cfg.ServerName, _, _ = net.SplitHostPort(o.Address)
		}
		if o.CAFile != "" {
			pem, err := os.ReadFile(o.CAFile)
			if err != nil {
				return nil, fmt.Errorf("syslog sink %s: read ca_file: %w", name, err)
			}
			cfg.RootCAs = x509.NewCertPool()
			if !cfg.RootCAs.AppendCertsFromPEM(pem) {
				return nil, fmt.Errorf("syslog sink %s: ca_file %s holds no PEM certificate", name, o.CAFile)
			}
		}
		s.tls = cfg
	}
	return s, nil
}

// Name is the sink's name.
func (s *Syslog) Name() string { return s.name }

// Send writes the batch's records and checkpoints. Sends are not
// concurrent (one forwarding loop per sink).
func (s *Syslog) Send(ctx context.Context, b Batch) error {
	if s.conn != nil && peerClosed(s.conn) {
		s.drop()
	}
	if s.conn == nil {
		if err := s.dial(ctx); err != nil {
			return err
		}
	}
	w := bufio.NewWriterSize(s.conn, 64<<10)
	_ = s.conn.SetWriteDeadline(time.Now().Add(s.opts.Timeout))
	for _, r := range b.Records {
		s.frame(w, "audit", r.Time, s.recordSD(r), fmt.Sprintf("audit record %d of %s", r.Seq, r.User))
	}
	for _, c := range b.Checkpoints {
		s.frame(w, "checkpoint", c.Time.UTC().Format(time.RFC3339Nano), element(sdCheckpoint, checkpointFields(c)),
			fmt.Sprintf("checkpoint of %s at record %d", c.User, c.Seq))
	}
	if err := w.Flush(); err != nil {
		s.drop()
		return fmt.Errorf("send to syslog %s: %w", s.opts.Address, err)
	}
	return nil
}

func (s *Syslog) dial(ctx context.Context) error {
	d := &net.Dialer{Timeout: s.opts.Timeout, KeepAlive: 30 * time.Second}
	var c net.Conn
	var err error
	if s.tls != nil {
		c, err = (&tls.Dialer{NetDialer: d, Config: s.tls}).DialContext(ctx, "tcp", s.opts.Address)
	} else {
		c, err = d.DialContext(ctx, "tcp", s.opts.Address)
	}
	if err != nil {
		return fmt.Errorf("connect to syslog %s: %w", s.opts.Address, err)
	}
	s.conn = c
	return nil
}

func (s *Syslog) drop() {
	if s.conn != nil {
		_ = s.conn.Close()
		s.conn = nil
	}
}

// Close closes the connection.
func (s *Syslog) Close() error {
	s.drop()
	return nil
}

// peerClosed reports whether the receiver closed the connection (or sent
// something, which a syslog receiver never does): a read that does not
// time out at once.
func peerClosed(c net.Conn) bool {
	_ = c.SetReadDeadline(time.Now().Add(time.Millisecond))
	var one [1]byte
	_, err := c.Read(one[:])
	_ = c.SetReadDeadline(time.Time{})
	var ne net.Error
	return !(errors.As(err, &ne) && ne.Timeout())
}

// frame writes one message, "LEN SP MSG".
func (s *Syslog) frame(w *bufio.Writer, msgID, ts, sd, msg string) {
	m := fmt.Sprintf("<%d>1 %s %s %s %s %s %s %s", priority, ts, s.hostname, appName, s.procID, msgID, sd, msg)
	fmt.Fprintf(w, "%d %s", len(m), m)
}

// recordSD is the record's element, its arguments cut to keep the
// message within MaxMessage.
func (s *Syslog) recordSD(r Record) string {
	sd := element(sdRecord, r.fields())
	over := len(sd) + 200 + len(s.hostname) - s.opts.MaxMessage
	if over <= 0 {
		return sd
	}
	args := r.Arguments
	cut := max(len(args)-over-len(` truncated="arguments"`)-16, 0)
	for cut > 0 && !utf8.RuneStart(args[cut]) {
		cut--
	}
	r.Arguments = args[:cut]
	return element(sdRecord, append(r.fields(), [2]string{"truncated", "arguments"}))
}

// element is an SD-ELEMENT: [ID name="value" ...], each value escaped as
// RFC 5424 6.3.3 asks ('"', '\' and ']' after a backslash) and made valid
// UTF-8.
func element(id string, params [][2]string) string {
	var b strings.Builder
	b.WriteString("[" + id)
	for _, p := range params {
		b.WriteString(" " + p[0] + `="`)
		for _, r := range strings.ToValidUTF8(p[1], "\uFFFD") {
			if r == '"' || r == '\\' || r == ']' {
				b.WriteByte('\\')
			}
			b.WriteRune(r)
		}
		b.WriteByte('"')
	}
	b.WriteByte(']')
	return b.String()
}

// printable keeps s to PRINTUSASCII, at most n bytes ("-" if empty), as
// RFC 5424 asks of a HOSTNAME.
func printable(s string, n int) string {
	var b strings.Builder
	for i := 0; i < len(s) && b.Len() < n; i++ {
		if s[i] >= 33 && s[i] <= 126 {
			b.WriteByte(s[i])
		}
	}
	if b.Len() == 0 {
		return "-"
	}
	return b.String()
}

var _ Sink = (*Syslog)(nil)
