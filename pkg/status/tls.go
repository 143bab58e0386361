package status

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/caddyserver/certmagic"

	"github.com/mcpgate/mcpgate/pkg/config"
)

// TLS is the TLS mode and the certificate that is (or would be) served.
type TLS struct {
	Mode     string    `json:"mode"`
	Subject  string    `json:"subject,omitempty"`
	NotAfter time.Time `json:"not_after,omitzero"`
	Source   string    `json:"source,omitempty"` // "served", or the file read
	Error    string    `json:"error,omitempty"`
}

// readTLS describes the certificate: the one serve presented to the
// probe if it answered over TLS, else the one on disk (tls.cert_file, or
// certmagic's copy in the data dir for tls.mode auto).
func readTLS(cfg *config.Config, served *x509.Certificate) TLS {
	t := TLS{Mode: cfg.TLS.Mode}
	if t.Mode == "off" {
		return t
	}
	if served != nil {
		t.Subject, t.NotAfter, t.Source = certName(served), served.NotAfter, "served"
		return t
	}
	var paths []string
	switch t.Mode {
	case "files":
		paths = []string{cfg.TLS.CertFile}
	case "auto":
		for _, d := range cfg.TLS.Domains {
			// <data dir>/certificates is certmagic's FileStorage root
			// (pkg/server); one directory per issuer below it.
			pattern := filepath.Join(cfg.DataDir, "certificates", "certificates", "*",
				certmagic.StorageKeys.Safe(d), certmagic.StorageKeys.Safe(d)+".crt")
			m, _ := filepath.Glob(pattern)
			paths = append(paths, m...)
		}
		if len(paths) == 0 {
			t.Error = fmt.Sprintf("no certificate for %v in %s yet", cfg.TLS.Domains, filepath.Join(cfg.DataDir, "certificates"))
			return t
		}
	}
	// The soonest to expire is the one that matters.
	for _, p := range paths {
		c, err := readCert(p)
		if err != nil {
			t.Error = err.Error()
			return t
		}
		if t.NotAfter.IsZero() || c.NotAfter.Before(t.NotAfter) {
			t.Subject, t.NotAfter, t.Source = certName(c), c.NotAfter, p
		}
	}
	return t
}

// readCert reads the first certificate of a PEM file.
func readCert(path string) (*x509.Certificate, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read certificate: %w", err)
	}
	for {
		var blk *pem.Block
		blk, b = pem.Decode(b)
		if blk == nil {
			return nil, errors.New("read certificate: " + path + " holds no PEM certificate")
		}
		if blk.Type == "CERTIFICATE" {
			c, err := x509.ParseCertificate(blk.Bytes)
			if err != nil {
				return nil, fmt.Errorf("read certificate %s: %w", path, err)
			}
			return c, nil
		}
	}
}

func certName(c *x509.Certificate) string {
	if len(c.DNSNames) > 0 {
		return c.DNSNames[0]
	}
	return c.Subject.CommonName
}
