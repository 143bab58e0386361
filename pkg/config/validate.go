package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// DefaultDataDir is where mcpgate keeps its state when nothing says
// otherwise: $XDG_DATA_HOME/mcpgate, or ~/.local/share/mcpgate.
func DefaultDataDir() string {
	if x := os.Getenv("XDG_DATA_HOME"); x != "" {
		return filepath.Join(x, "mcpgate")
	}
	if h, err := os.UserHomeDir(); err == nil {
		return filepath.Join(h, ".local", "share", "mcpgate")
	}
	return "mcpgate-data"
}

// fillDerived sets the defaults that depend on other settings.
func (c *Config) fillDerived() {
	if c.DataDir == "" {
		c.DataDir = DefaultDataDir()
	}
	if abs, err := filepath.Abs(c.DataDir); err == nil {
		c.DataDir = abs
	}
	if c.Database.URL == "" {
		c.Database.URL = "sqlite://" + filepath.Join(c.DataDir, "mcpgate.db")
	}
	if c.KeyProvider == "" {
		kek := os.Getenv("MCPGATE_KEK_FILE")
		if kek == "" {
			kek = filepath.Join(c.DataDir, "kek")
		}
		if abs, err := filepath.Abs(kek); err == nil {
			kek = abs
		}
		c.KeyProvider = "local://" + kek
	}
	if c.Connectors == nil {
		c.Connectors = map[string]Connector{}
	}
}

// Validate checks every setting and names the first bad one.
func (c *Config) Validate() error {
	if !slices.Contains([]string{"auto", "files", "off"}, c.TLS.Mode) {
		return fmt.Errorf("tls.mode: %q is not one of auto, files, off", c.TLS.Mode)
	}
	host, _, err := net.SplitHostPort(c.Listen)
	if err != nil {
		return fmt.Errorf("listen: %q is not host:port: %w", c.Listen, err)
	}
	if c.Admin.Listen != "" { // "" turns the admin listener off
		if _, _, err := net.SplitHostPort(c.Admin.Listen); err != nil {
			return fmt.Errorf("admin.listen: %q is not host:port (or \"\" for none): %w", c.Admin.Listen, err)
		}
	}
	switch c.TLS.Mode {
	case "off":
		if !IsLoopback(host) && !c.BehindProxy {
			return fmt.Errorf("tls.mode: off is only allowed when listen is a loopback address (got %q) or with behind_proxy: true", c.Listen)
		}
	case "files":
		if c.TLS.CertFile == "" || c.TLS.KeyFile == "" {
			return fmt.Errorf("tls.cert_file and tls.key_file: both are required with tls.mode: files")
		}
	case "auto":
		if len(c.TLS.Domains) == 0 {
			return fmt.Errorf("tls.domains: at least one domain is required with tls.mode: auto")
		}
		if _, err := url.ParseRequestURI(c.TLS.ACMECA); err != nil {
			return fmt.Errorf("tls.acme_ca: %q is not a URL", c.TLS.ACMECA)
		}
	}
	if c.PublicURL != "" {
		u, err := url.Parse(c.PublicURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return fmt.Errorf("public_url: %q is not an http(s) URL", c.PublicURL)
		}
	}
	if err := c.validateOAuthServer(); err != nil {
		return err
	}
	if err := c.validateApprovals(); err != nil {
		return err
	}
	if _, err := url.Parse(c.Database.URL); err != nil || !strings.Contains(c.Database.URL, "://") {
		return fmt.Errorf("database.url: %q is not a URL (sqlite:///path or postgres://...)", c.Database.URL)
	}
	if c.Database.AdminURL != "" {
		if _, err := url.Parse(c.Database.AdminURL); err != nil || !strings.Contains(c.Database.AdminURL, "://") {
			return errors.New("database.admin_url is not a URL: write it as postgres://user@host/db")
		}
	}
	if !strings.Contains(c.KeyProvider, "://") {
		return fmt.Errorf("key_provider: %q is not a provider URL (local:///path/to/kek)", c.KeyProvider)
	}
	if !slices.Contains([]string{"debug", "info", "warn", "error"}, c.Log.Level) {
		return fmt.Errorf("log.level: %q is not one of debug, info, warn, error", c.Log.Level)
	}
	if !slices.Contains([]string{"json", "text"}, c.Log.Format) {
		return fmt.Errorf("log.format: %q is not one of json, text", c.Log.Format)
	}
	if c.Limits.MaxBodyBytes <= 0 || c.Limits.MaxResultBytes <= 0 {
		return fmt.Errorf("limits.max_body_bytes and limits.max_result_bytes: must be positive")
	}
	if c.MCP.IdleTimeout <= 0 || c.MCP.MemoryBytes <= 0 || c.MCP.CPUSeconds <= 0 || c.MCP.OpenFiles <= 0 || c.MCP.MaxMessageBytes <= 0 {
		return errors.New("mcp.idle_timeout, mcp.memory_bytes, mcp.cpu_seconds, mcp.open_files and mcp.max_message_bytes must be positive")
	}
	if c.Limits.UpstreamTimeout <= 0 {
		return fmt.Errorf("limits.upstream_timeout: must be positive")
	}
	if c.Limits.ShutdownTimeout <= 0 {
		return fmt.Errorf("limits.shutdown_timeout: must be positive")
	}
	if c.Audit.Retention < 0 {
		return fmt.Errorf("audit.retention: must not be negative")
	}
	if err := c.Audit.Forward.validate(); err != nil {
		return err
	}
	for name, conn := range c.Connectors {
		if !slices.Contains(Providers, name) {
			return fmt.Errorf("connectors.%s: unknown provider (known: %s)", name, strings.Join(Providers, ", "))
		}
		if conn.RevokeURL != "" && !slices.Contains(RevokeURLProviders, name) {
			return fmt.Errorf("connectors.%s.revoke_url: %s revokes tokens through its API (api_url) and has no revocation URL to set", name, name)
		}
		for _, f := range []struct{ key, raw string }{
			{"api_url", conn.APIURL}, {"auth_url", conn.AuthURL}, {"token_url", conn.TokenURL}, {"revoke_url", conn.RevokeURL},
		} {
			if f.raw == "" {
				continue
			}
			if u, err := url.Parse(f.raw); err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
				return fmt.Errorf("connectors.%s.%s: %q is not an http(s) URL", name, f.key, f.raw)
			}
		}
	}
	return nil
}

// IsLoopback reports whether host (a name or an IP) is a loopback address.
func IsLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// validateOAuthServer: clients connect from the vendor's cloud and the
// tokens are bearer secrets, so the issuer must be https; plain http is
// allowed only on a loopback host (a laptop, a test).
func (c *Config) validateOAuthServer() error {
	o := c.OAuthServer
	if !o.Enabled {
		return nil
	}
	if c.PublicURL == "" {
		return errors.New("oauth_server.enabled: needs public_url, the https address clients reach serve at")
	}
	u, err := url.Parse(c.PublicURL)
	if err != nil {
		return fmt.Errorf("public_url: %q is not a URL", c.PublicURL)
	}
	if u.Scheme != "https" && !(u.Scheme == "http" && IsLoopback(u.Hostname())) {
		return fmt.Errorf("oauth_server.enabled: public_url must be https (got %q); plain http only on a loopback host", c.PublicURL)
	}
	if strings.Trim(u.Path, "/") != "" || u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("oauth_server.enabled: public_url must be the server's origin, without a path or query (got %q)", c.PublicURL)
	}
	if o.AccessTTL < time.Minute || o.AccessTTL > 24*time.Hour {
		return fmt.Errorf("oauth_server.access_ttl: %s is not between 1m and 24h", o.AccessTTL)
	}
	if o.RefreshTTL < o.AccessTTL || o.RefreshTTL > 365*24*time.Hour {
		return fmt.Errorf("oauth_server.refresh_ttl: %s is not between access_ttl and 8760h", o.RefreshTTL)
	}
	if o.SessionTTL < time.Minute || o.SessionTTL > 30*24*time.Hour {
		return fmt.Errorf("oauth_server.session_ttl: %s is not between 1m and 720h", o.SessionTTL)
	}
	return nil
}

// validateApprovals: the wait is bounded by the approval's life, and a
// webhook must be http(s) and signed.
func (c *Config) validateApprovals() error {
	a := c.Approvals
	if a.TTL < time.Second {
		return fmt.Errorf("approvals.ttl: %s is too short; write a duration of at least 1s, e.g. 10m", a.TTL)
	}
	if a.Wait < 0 || a.Wait > a.TTL {
		return fmt.Errorf("approvals.wait: %s must be between 0 and approvals.ttl (%s)", a.Wait, a.TTL)
	}
	if a.Retention != 0 && a.Retention < a.TTL {
		return fmt.Errorf("approvals.retention: %s must be 0 (keep all) or at least approvals.ttl (%s): an approval is usable until then", a.Retention, a.TTL)
	}
	if a.Webhook.URL == "" {
		if a.Webhook.SecretFile != "" || a.Webhook.Template != "" {
			return errors.New("approvals.webhook: secret_file and template need url")
		}
		return nil
	}
	u, err := url.Parse(a.Webhook.URL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return errors.New("approvals.webhook.url: not an http(s) URL")
	}
	if a.Webhook.SecretFile == "" {
		return errors.New("approvals.webhook.secret_file: needed with approvals.webhook.url; the receiver checks the body's HMAC-SHA256 under this secret")
	}
	return nil
}

func (f Forward) validate() error {
	if f.Batch <= 0 || f.Batch > 10000 {
		return errors.New("audit.forward.batch: must be between 1 and 10000")
	}
	if f.Poll <= 0 || f.MaxBackoff <= 0 {
		return errors.New("audit.forward.poll and audit.forward.max_backoff: must be positive")
	}
	if a := f.Syslog.Address; a != "" {
		if _, port, err := net.SplitHostPort(a); err != nil || port == "" {
			return fmt.Errorf("audit.forward.syslog.address: %q is not host:port", a)
		}
	}
	if f.Syslog.Address == "" && (f.Syslog.TLS || f.Syslog.CAFile != "" || f.Syslog.ServerName != "") {
		return errors.New("audit.forward.syslog: tls, ca_file and server_name need an address")
	}
	if f.Syslog.MaxMessageBytes < 2048 {
		return errors.New("audit.forward.syslog.max_message_bytes: must be at least 2048")
	}
	if raw := f.Webhook.URL; raw != "" {
		u, err := url.Parse(raw)
		if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") || u.User != nil {
			return errors.New("audit.forward.webhook.url: not an http(s) URL without credentials in it")
		}
		if u.Scheme == "http" && !isLoopbackHost(u.Hostname()) {
			return errors.New("audit.forward.webhook.url: use https (plain http only to a loopback address)")
		}
		if f.Webhook.SecretFile == "" {
			return errors.New("audit.forward.webhook.secret_file: required with a webhook url (the HMAC key the receiver checks the body with)")
		}
	}
	return nil
}

func isLoopbackHost(h string) bool {
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}
