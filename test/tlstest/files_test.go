package tlstest

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mcpgate/mcpgate/test/testca"
)

// TestFilesModeServesTLS13AndReloadsRenewedCertificate is tls.mode files
// with a certificate that something else renews (certbot, a company CA):
// the renewed files are served to the next connection without a restart,
// and a renewal caught half-written never breaks a handshake.
func TestFilesModeServesTLS13AndReloadsRenewedCertificate(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	ca := testca.New(t, "mcpgate tlstest CA")
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	oldCert, oldKey := ca.Issue(t, domain)
	testca.WriteFile(t, keyFile, oldKey)
	testca.WriteFile(t, certFile, oldCert)
	in := newInstance(ctx, t,
		"MCPGATE_TLS_MODE=files",
		"MCPGATE_TLS_CERT_FILE="+certFile,
		"MCPGATE_TLS_KEY_FILE="+keyFile,
		"MCPGATE_PUBLIC_URL=https://"+domain,
	)
	g := in.serve(ctx, t)
	roots := x509.NewCertPool()
	roots.AddCert(ca.Cert)

	served := func(step string) *big.Int {
		t.Helper()
		st, err := handshake(ctx, g.Addr, tlsConfig(roots, tls.VersionTLS13, 0))
		if err != nil {
			t.Fatalf("%s: TLS 1.3 handshake: %v", step, err)
		}
		if st.Version != tls.VersionTLS13 {
			t.Errorf("%s: negotiated %s, want TLS 1.3", step, tls.VersionName(st.Version))
		}
		return st.PeerCertificates[0].SerialNumber
	}
	if got, want := served("first start"), serialOf(t, oldCert); got.Cmp(want) != 0 {
		t.Fatalf("first start serves serial %x, want %x", got, want)
	}
	_, err := handshake(ctx, g.Addr, tlsConfig(roots, tls.VersionTLS12, tls.VersionTLS12))
	if err == nil || !strings.Contains(err.Error(), "protocol version") {
		t.Errorf("TLS 1.2-only client: err = %v, want a protocol version alert", err)
	}
	hc := client(g.Addr, roots, in.Key)
	getHealthz(ctx, t, hc)
	if tools := listTools(ctx, t, hc); !slices.Contains(tools, "github_get_repo") {
		t.Errorf("tools/list over TLS = %v, want github_get_repo among them", tools)
	}

	// A renewal that copies the certificate, then the key: in between, the
	// files do not match, and the old pair must stay in service.
	newCert, newKey := ca.Issue(t, domain)
	testca.WriteFile(t, certFile, newCert)
	if got, want := served("certificate renewed, key not yet"), serialOf(t, oldCert); got.Cmp(want) != 0 {
		t.Errorf("with a new certificate and the old key on disk, serial %x is served, want the old %x", got, want)
	}
	testca.WriteFile(t, keyFile, newKey)
	if got, want := served("renewal complete"), serialOf(t, newCert); got.Cmp(want) != 0 {
		t.Errorf("after the renewal the next connection gets serial %x, want the new %x", got, want)
	}

	// Another renewal, replacing both files at once as certbot's symlinks
	// do, reaches the next connection too.
	thirdCert, thirdKey := ca.Issue(t, domain)
	testca.WriteFile(t, keyFile+".new", thirdKey)
	testca.WriteFile(t, certFile+".new", thirdCert)
	for _, f := range []string{keyFile, certFile} {
		if err := os.Rename(f+".new", f); err != nil {
			t.Fatal(err)
		}
	}
	if got, want := served("second renewal"), serialOf(t, thirdCert); got.Cmp(want) != 0 {
		t.Errorf("after the second renewal the next connection gets serial %x, want %x", got, want)
	}
	for _, want := range []string{"still serving the previous certificate", "reloaded the certificate files"} {
		if !strings.Contains(g.Logs.String(), want) {
			t.Errorf("the log does not say %q:\n%s", want, g.Logs)
		}
	}
}

func serialOf(t *testing.T, certPEM []byte) *big.Int {
	t.Helper()
	blk, _ := pem.Decode(certPEM)
	c, err := x509.ParseCertificate(blk.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return c.SerialNumber
}
