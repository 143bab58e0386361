package tlstest

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestACMEObtainsServesAndReusesCertificate is the path of a VPS with
// tls.mode auto: the first start obtains a certificate for the domain over
// ACME (HTTP-01 on tls.http_listen) and keeps it in the data dir; clients
// get it over TLS 1.3 only; plain HTTP is redirected; a restart serves the
// stored certificate without asking the CA again. Run unprivileged (as
// `make test` usually is), it also proves that the challenge is answered on
// tls.http_listen alone, without binding :80.
func TestACMEObtainsServesAndReusesCertificate(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	pb := startPebble(ctx, t)
	in := newInstance(ctx, t,
		"MCPGATE_TLS_MODE=auto",
		"MCPGATE_TLS_DOMAINS="+domain,
		"MCPGATE_TLS_ACME_CA="+pb.DirURL,
		"MCPGATE_TLS_ACME_CA_ROOT="+pb.MiniCA,
		"MCPGATE_TLS_EMAIL=ops@"+domain,
		"MCPGATE_TLS_HTTP_LISTEN=127.0.0.1:"+strconv.Itoa(pb.HTTPPort),
	)
	roots := x509.NewCertPool()
	roots.AddCert(pb.Root)

	start := time.Now()
	g := in.serve(ctx, t)
	t.Logf("first start (ACME order with Pebble) took %v", time.Since(start).Round(time.Millisecond))
	if got := pb.Issued(); got != 1 {
		t.Fatalf("Pebble issued %d certificates, want 1", got)
	}

	st, err := handshake(ctx, g.Addr, tlsConfig(roots, tls.VersionTLS13, 0))
	if err != nil {
		t.Fatalf("TLS 1.3 handshake trusting only Pebble's root: %v", err)
	}
	leaf := st.PeerCertificates[0]
	if err := leaf.VerifyHostname(domain); err != nil {
		t.Errorf("served certificate: %v", err)
	}
	if n := len(st.VerifiedChains); n == 0 || !st.VerifiedChains[0][len(st.VerifiedChains[0])-1].Equal(pb.Root) {
		t.Errorf("served certificate does not chain to Pebble's root (%d verified chains)", n)
	}
	if st.Version != tls.VersionTLS13 {
		t.Errorf("negotiated %s, want TLS 1.3", tls.VersionName(st.Version))
	}

	stored := storedCert(t, in.Dir)
	if stored.SerialNumber.Cmp(leaf.SerialNumber) != 0 {
		t.Errorf("stored certificate serial %x, served %x", stored.SerialNumber, leaf.SerialNumber)
	}

	_, err = handshake(ctx, g.Addr, tlsConfig(roots, tls.VersionTLS12, tls.VersionTLS12))
	if err == nil || !strings.Contains(err.Error(), "protocol version") {
		t.Errorf("TLS 1.2-only client: err = %v, want a protocol version alert", err)
	}

	hc := client(g.Addr, roots, in.Key)
	getHealthz(ctx, t, hc)
	if tools := listTools(ctx, t, hc); !slices.Contains(tools, "github_get_repo") {
		t.Errorf("tools/list over TLS = %v, want github_get_repo among them", tools)
	}

	checkRedirect(ctx, t, g.HTTP, "/mcp?x=1", "https://"+domain+"/mcp?x=1")

	g.Stop()
	start = time.Now()
	g = in.serve(ctx, t)
	t.Logf("restart with the stored certificate took %v", time.Since(start).Round(time.Millisecond))
	st, err = handshake(ctx, g.Addr, tlsConfig(roots, tls.VersionTLS13, 0))
	if err != nil {
		t.Fatalf("TLS 1.3 handshake after restart: %v", err)
	}
	if got := st.PeerCertificates[0].SerialNumber; got.Cmp(leaf.SerialNumber) != 0 {
		t.Errorf("after restart the served serial is %x, want the stored %x", got, leaf.SerialNumber)
	}
	if got := pb.Issued(); got != 1 {
		t.Errorf("after restart Pebble has issued %d certificates, want still 1", got)
	}
	if again := storedCert(t, in.Dir); !bytes.Equal(again.Raw, stored.Raw) {
		t.Errorf("the stored certificate changed across the restart")
	}
}

// storedCert finds the certificate and key for domain under
// <data dir>/certificates and returns the certificate's leaf.
func storedCert(t *testing.T, dataDir string) *x509.Certificate {
	t.Helper()
	var crt, key []string
	err := filepath.WalkDir(filepath.Join(dataDir, "certificates"), func(p string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case d.Name() == domain+".crt":
			crt = append(crt, p)
		case d.Name() == domain+".key":
			key = append(key, p)
		}
		return nil
	})
	if err != nil || len(crt) != 1 || len(key) != 1 {
		t.Fatalf("under %s/certificates: certificates %v, keys %v (err %v); want one of each for %s", dataDir, crt, key, err, domain)
	}
	b, err := os.ReadFile(crt[0])
	if err != nil {
		t.Fatal(err)
	}
	blk, _ := pem.Decode(b)
	if blk == nil {
		t.Fatalf("%s is not PEM", crt[0])
	}
	c, err := x509.ParseCertificate(blk.Bytes)
	if err != nil {
		t.Fatalf("%s: %v", crt[0], err)
	}
	return c
}

// checkRedirect GETs path on the plain HTTP listener as a browser
// addressing the domain would, and wants a permanent redirect to want.
func checkRedirect(ctx context.Context, t *testing.T, httpAddr, path, want string) {
	t.Helper()
	if httpAddr == "" {
		t.Fatal("no HTTP listener for ACME and the redirect")
	}
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+httpAddr+path, nil)
	req.Host = domain
	c := &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("GET over plain HTTP: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusPermanentRedirect || resp.Header.Get("Location") != want {
		t.Errorf("plain HTTP GET %s: %d to %q, want 308 to %q", path, resp.StatusCode, resp.Header.Get("Location"), want)
	}
}
