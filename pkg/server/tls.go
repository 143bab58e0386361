package server

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
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
		kp := &filesKeyPair{cert: c.CertFile, key: c.KeyFile, log: s.log}
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
	zl := zapToSlog(s.log.With("component", "acme"))
	cache := certmagic.NewCache(certmagic.CacheOptions{
		GetConfigForCert: func(certmagic.Certificate) (*certmagic.Config, error) { return magic, nil },
		Logger:           zl,
	})
	s.mu.Lock()
	s.certCache = cache
	s.mu.Unlock()
	magic = certmagic.New(cache, certmagic.Config{
		Storage: &certmagic.FileStorage{Path: filepath.Join(s.o.Config.DataDir, "certificates")},
		Logger:  zl,
	})
	// certmagic's HTTP-01 solver binds ListenHost:AltHTTPPort (by default
	// :80) for the challenge unless something already listens there. Point
	// it at tls.http_listen, where our listener answers the challenge, so
	// it binds nothing of its own: otherwise an unprivileged serve fails
	// to bind :80, and a privileged one opens a port nobody configured.
	host, port, err := net.SplitHostPort(c.HTTPListen)
	if err != nil {
		return fmt.Errorf("tls.http_listen: %q is not host:port: %w", c.HTTPListen, err)
	}
	portNum, err := net.LookupPort("tcp", port)
	if err != nil {
		return fmt.Errorf("tls.http_listen: %q: %w", c.HTTPListen, err)
	}
	tmpl := certmagic.ACMEIssuer{
		CA:                      c.ACMECA,
		Email:                   c.Email,
		Agreed:                  true,
		DisableTLSALPNChallenge: true,
		ListenHost:              host,
		AltHTTPPort:             portNum,
		Logger:                  zl,
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
	// Its Host check is the gateway's: the challenge and the redirect are
	// for the same names.
	names := gatewayCheck(s.o.Config, nil, true)
	acme := func(net.Addr) http.Handler {
		return names.wrap(issuer.HTTPChallengeHandler(redirectToHTTPS(s.o.Config.Listen)))
	}
	if err := s.listen(ctx, "http", c.HTTPListen, acme, nil); err != nil {
		return err
	}
	if err := magic.ManageSync(ctx, c.Domains); err != nil {
		return fmt.Errorf("obtain certificate for %v from %s: %w", c.Domains, c.ACMECA, err)
	}
	tc := magic.TLSConfig()
	tc.MinVersion = tls.VersionTLS13
	tc.NextProtos = append([]string{"h2", "http/1.1"}, tc.NextProtos...)
	s.tls = tc
	return nil
}

// redirectToHTTPS sends plain-HTTP requests to the gateway's HTTPS
// listener: the same host, and its port unless that is 443.
func redirectToHTTPS(listen string) http.Handler {
	_, port, _ := net.SplitHostPort(listen)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			http.Error(w, "use https", http.StatusBadRequest)
			return
		}
		host := hostOnly(r.Host)
		if port != "" && port != "443" && port != "0" {
			host = net.JoinHostPort(host, port)
		} else if strings.Contains(host, ":") {
			host = "[" + host + "]"
		}
		http.Redirect(w, r, "https://"+host+r.URL.RequestURI(), http.StatusPermanentRedirect)
	})
}

// filesKeyPair reloads the certificate when its files change, so a renewed
// certificate is served without a restart. A change is told by the files'
// contents, read at each handshake (two small files, from the page cache):
// a file's modification time can stay the same across two writes within
// one clock tick, or come along with a copy that preserves it.
type filesKeyPair struct {
	cert, key string
	log       *slog.Logger

	mu      sync.Mutex
	certPEM []byte // what current was loaded from
	keyPEM  []byte
	current *tls.Certificate
	warned  bool // about files that do not load, since current was loaded
}

func (k *filesKeyPair) load() (*tls.Certificate, error) {
	certPEM, certErr := os.ReadFile(k.cert)
	keyPEM, keyErr := os.ReadFile(k.key)
	k.mu.Lock()
	defer k.mu.Unlock()
	if certErr == nil && keyErr == nil && k.current != nil && bytes.Equal(certPEM, k.certPEM) && bytes.Equal(keyPEM, k.keyPEM) {
		return k.current, nil
	}
	var c tls.Certificate
	var err error
	switch {
	case certErr != nil:
		err = fmt.Errorf("tls.cert_file: %w", certErr)
	case keyErr != nil:
		err = fmt.Errorf("tls.key_file: %w", keyErr)
	default:
		if c, err = tls.X509KeyPair(certPEM, keyPEM); err != nil {
			err = fmt.Errorf("tls.cert_file/tls.key_file: %w", err)
		}
	}
	if err != nil {
		if k.current == nil {
			return nil, err
		}
		// A renewal caught half done (the new certificate beside the old
		// key) or a file being rewritten: keep serving the pair that
		// loaded, and look again at the next handshake.
		if !k.warned {
			k.warned = true
			k.log.Warn("certificate files do not load; still serving the previous certificate", "err", err.Error())
		}
		return k.current, nil
	}
	if k.current != nil && c.Leaf != nil {
		k.log.Info("reloaded the certificate files", "cert_file", k.cert, "not_after", c.Leaf.NotAfter)
	}
	k.current, k.certPEM, k.keyPEM, k.warned = &c, certPEM, keyPEM, false
	return k.current, nil
}

func (k *filesKeyPair) get(*tls.ClientHelloInfo) (*tls.Certificate, error) { return k.load() }
