package status

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// probeTimeout bounds each request to a running serve.
const probeTimeout = 5 * time.Second

// Answer is what one GET of a health URL returned.
type Answer struct {
	URL    string `json:"url"`
	Status int    `json:"status,omitempty"` // HTTP status; 0 when nothing answered
	Body   string `json:"body,omitempty"`   // the first line of the body when not 200
	Error  string `json:"error,omitempty"`  // why nothing answered
	// Cert is the certificate served over TLS, if any.
	Cert *x509.Certificate `json:"-"`
}

// OK reports whether the URL answered 200.
func (a Answer) OK() bool { return a.Status == http.StatusOK }

// Get fetches rawURL once, within probeTimeout. Over TLS to a loopback
// address the certificate is not verified (it names the public domain,
// not 127.0.0.1) but is kept in the answer, so its expiry can be read.
func Get(ctx context.Context, rawURL, serverName string) Answer {
	ans := Answer{URL: rawURL}
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		ans.Error = "not an http(s) URL"
		return ans
	}
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	tc := &tls.Config{ServerName: serverName}
	if ip := net.ParseIP(u.Hostname()); ip != nil && ip.IsLoopback() || u.Hostname() == "localhost" {
		tc.InsecureSkipVerify = true
	}
	hc := &http.Client{
		Transport: &http.Transport{TLSClientConfig: tc, DisableKeepAlives: true, Proxy: nil},
		// A health URL answers; it does not send us elsewhere.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		ans.Error = err.Error()
		return ans
	}
	resp, err := hc.Do(req)
	if err != nil {
		ans.Error = probeError(err)
		return ans
	}
	defer resp.Body.Close()
	ans.Status = resp.StatusCode
	if resp.TLS != nil && len(resp.TLS.PeerCertificates) > 0 {
		ans.Cert = resp.TLS.PeerCertificates[0]
	}
	if !ans.OK() {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		ans.Body, _, _ = strings.Cut(strings.TrimSpace(string(b)), "\n")
	}
	return ans
}

// probeError says briefly why nothing answered.
func probeError(err error) string {
	var op *net.OpError
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return fmt.Sprintf("no answer within %v", probeTimeout)
	case errors.As(err, &op) && op.Op == "dial":
		return "nothing listens there (connection refused)"
	}
	return err.Error()
}

// ProbeURL is where a client on this host reaches serve's listener at
// listen: a wildcard address becomes the loopback one.
func ProbeURL(listen string, tlsOn bool, path string) (string, error) {
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return "", fmt.Errorf("listen: %q is not host:port: %w", listen, err)
	}
	switch host {
	case "", "0.0.0.0":
		host = "127.0.0.1"
	case "::":
		host = "::1"
	}
	scheme := "http"
	if tlsOn {
		scheme = "https"
	}
	return (&url.URL{Scheme: scheme, Host: net.JoinHostPort(host, port), Path: path}).String(), nil
}
