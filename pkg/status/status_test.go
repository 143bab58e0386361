package status

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mcpgate/mcpgate/pkg/config"
)

func TestProbeURLReachesWildcardListenersOnLoopback(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		listen string
		tls    bool
		want   string
	}{
		{"127.0.0.1:8443", false, "http://127.0.0.1:8443/healthz"},
		{"0.0.0.0:443", true, "https://127.0.0.1:443/healthz"},
		{":8443", false, "http://127.0.0.1:8443/healthz"},
		{"[::]:8443", true, "https://[::1]:8443/healthz"},
		{"[::1]:9000", false, "http://[::1]:9000/healthz"},
		{"mcp.example.com:443", true, "https://mcp.example.com:443/healthz"},
	} {
		got, err := ProbeURL(c.listen, c.tls, "/healthz")
		if err != nil || got != c.want {
			t.Errorf("ProbeURL(%q, %v) = %q, %v; want %q", c.listen, c.tls, got, err, c.want)
		}
	}
	if _, err := ProbeURL("8443", false, "/healthz"); err == nil {
		t.Error("a listen address without a host:port was accepted")
	}
}

func TestParseBytes(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]uint64{
		"0": 0, "512": 512, "1KiB": 1024, "1.5GiB": 3 << 29, "500MiB": 500 << 20, "2G": 2 << 30, "1TB": 1 << 40,
	} {
		if got, err := ParseBytes(in); err != nil || got != want {
			t.Errorf("ParseBytes(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "GiB", "-1GiB", "1PiB", "1 GiB extra", "1iB", "1e30"} {
		if got, err := ParseBytes(in); err == nil {
			t.Errorf("ParseBytes(%q) = %d, want an error", in, got)
		}
	}
}

// writeCert writes a PEM certificate for name expiring at notAfter.
func writeCert(t *testing.T, path, name string, notAfter time.Time) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name}, DNSNames: []string{name},
		NotBefore: notAfter.Add(-90 * 24 * time.Hour), NotAfter: notAfter}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestCertificateExpiry reads the certificate serve would present when it
// is not running (tls.cert_file, or certmagic's copy in the data dir) and
// asks for attention as it nears its end.
func TestCertificateExpiry(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	dir := t.TempDir()
	certmagicPath := func(domain string) string {
		return filepath.Join(dir, "certificates", "certificates", "acme-v02.api.letsencrypt.org-directory", domain, domain+".crt")
	}
	writeCert(t, certmagicPath("mcp.example.com"), "mcp.example.com", now.Add(60*24*time.Hour))
	writeCert(t, certmagicPath("old.example.com"), "old.example.com", now.Add(5*24*time.Hour))
	writeCert(t, filepath.Join(dir, "files.pem"), "files.example.com", now.Add(-time.Hour))
	cases := []struct {
		name     string
		tls      config.TLS
		subject  string
		notAfter time.Time
		want     string // in the one attention item; "" for none
	}{
		{"off", config.TLS{Mode: "off"}, "", time.Time{}, ""},
		{"auto, 60 days left", config.TLS{Mode: "auto", Domains: []string{"mcp.example.com"}}, "mcp.example.com", now.Add(60 * 24 * time.Hour), ""},
		{"auto, the soonest of two", config.TLS{Mode: "auto", Domains: []string{"mcp.example.com", "old.example.com"}}, "old.example.com", now.Add(5 * 24 * time.Hour),
			"the TLS certificate for old.example.com expires in 5 day(s), on 2026-12-11: it should have been renewed"},
		{"auto, none obtained yet", config.TLS{Mode: "auto", Domains: []string{"new.example.com"}}, "", time.Time{}, "no certificate for [new.example.com]"},
		{"files, expired", config.TLS{Mode: "files", CertFile: filepath.Join(dir, "files.pem")}, "files.example.com", now.Add(-time.Hour),
			"the TLS certificate for files.example.com expired on 2026-12-06: clients refuse the connection; put a renewed certificate in tls.cert_file"},
		{"files, missing", config.TLS{Mode: "files", CertFile: filepath.Join(dir, "nope.pem")}, "", time.Time{}, "the TLS certificate cannot be read"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := &config.Config{DataDir: dir, TLS: c.tls}
			r := Report{TLS: readTLS(cfg, nil)}
			r.checkTLS(Options{Now: now, CertWarn: DefaultCertWarn})
			if r.TLS.Subject != c.subject || !r.TLS.NotAfter.Equal(c.notAfter) {
				t.Errorf("certificate = %s until %v, want %s until %v", r.TLS.Subject, r.TLS.NotAfter, c.subject, c.notAfter)
			}
			switch {
			case c.want == "" && len(r.Attention) != 0:
				t.Errorf("attention %q, want none", r.Attention)
			case c.want != "" && (len(r.Attention) != 1 || !strings.Contains(r.Attention[0], c.want)):
				t.Errorf("attention %q, want one item with %q", r.Attention, c.want)
			}
		})
	}
}
