package server

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sync"

	"github.com/caddyserver/certmagic"
)

// setupTLS prepares s.tls (and the ACME/redirect handler) for the mode.
func (s *Server) setupTLS(ctx context.Context) error {
	c := s.o.Config.TLS
	switch c.Mode {
	case "off":
		return nil
	case "files":
		kp := &filesKeyPair{cert: c.CertFile, key: c.KeyFile}
		if _, err := kp.load(); err != nil {
			return err
		}
		s.tls = &tls.Config{MinVersion: tls.VersionTLS13, GetCertificate: kp.get, NextProtos: []string{"h2", "http/1.1"}}
		return nil
	case "auto":
		return s.setupACME(ctx)
	}
	return fmt.Errorf("tls.mode: unknown mode %q", c.Mode)
}

func (s *Server) setupACME(ctx context.Context) error {
	c := s.o.Config.TLS
	var magic *certmagic.Config
	cache := certmagic.NewCache(certmagic.CacheOptions{
		GetConfigForCert: func(certmagic.Certificate) (*certmagic.Config, error) { return magic, nil },
		Logger:           nil,
	})
	magic = certmagic.New(cache, certmagic.Config{
		Storage: &certmagic.FileStorage{Path: filepath.Join(s.o.Config.DataDir, "certificates")},
	})
	tmpl := certmagic.ACMEIssuer{
		CA:                      c.ACMECA,
		Email:                   c.Email,
		Agreed:                  true,
		DisableTLSALPNChallenge: true,
	}
	if c.ACMERoot != "" {
		pem, err := os.ReadFile(c.ACMERoot)
		if err != nil {
			return fmt.Errorf("tls.acme_ca_root: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return fmt.Errorf("tls.acme_ca_root: %s holds no PEM certificate", c.ACMERoot)
		}
		tmpl.TrustedRoots = pool
	}
	issuer := certmagic.NewACMEIssuer(magic, tmpl)
	magic.Issuers = []certmagic.Issuer{issuer}
	// The HTTP listener must be up before the CA validates the challenge.
	s.acme = issuer.HTTPChallengeHandler(http.HandlerFunc(redirectToHTTPS))
	if err := s.listen(ctx, "http", c.HTTPListen, s.httpServer(s.acme, nil), false); err != nil {
		return err
	}
	s.acme = nil // already listening
	if err := magic.ManageSync(ctx, c.Domains); err != nil {
		return fmt.Errorf("obtain certificate for %v from %s: %w", c.Domains, c.ACMECA, err)
	}
	tc := magic.TLSConfig()
	tc.MinVersion = tls.VersionTLS13
	tc.NextProtos = append([]string{"h2", "http/1.1"}, tc.NextProtos...)
	s.tls = tc
	return nil
}

func redirectToHTTPS(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		http.Error(w, "use https", http.StatusBadRequest)
		return
	}
	http.Redirect(w, r, "https://"+hostOnly(r.Host)+r.URL.RequestURI(), http.StatusPermanentRedirect)
}

// filesKeyPair reloads the certificate when its file changes, so a renewed
// certificate is served without a restart.
type filesKeyPair struct {
	cert, key string

	mu      sync.Mutex
	modTime int64
	current *tls.Certificate
}

func (k *filesKeyPair) load() (*tls.Certificate, error) {
	fi, err := os.Stat(k.cert)
	if err != nil {
		return nil, fmt.Errorf("tls.cert_file: %w", err)
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.current != nil && fi.ModTime().UnixNano() == k.modTime {
		return k.current, nil
	}
	c, err := tls.LoadX509KeyPair(k.cert, k.key)
	if err != nil {
		return nil, fmt.Errorf("tls.cert_file/tls.key_file: %w", err)
	}
	k.current, k.modTime = &c, fi.ModTime().UnixNano()
	return k.current, nil
}

func (k *filesKeyPair) get(*tls.ClientHelloInfo) (*tls.Certificate, error) { return k.load() }
