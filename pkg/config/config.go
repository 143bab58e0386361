package config

import (
	"net/netip"
	"time"
)

// Config is every setting of mcpgate. YAML keys are the mapstructure tags;
// the environment variable of a key is MCPGATE_ + the key upper-cased with
// dots as underscores (tls.mode -> MCPGATE_TLS_MODE).
type Config struct {
	DataDir     string `mapstructure:"data_dir"`
	Listen      string `mapstructure:"listen"`
	PublicURL   string `mapstructure:"public_url"`
	BehindProxy bool   `mapstructure:"behind_proxy"`
	// TrustedProxies are the reverse proxies whose X-Forwarded-For hops are
	// believed when BehindProxy is set. Written as CIDRs or single IPs.
	TrustedProxies []netip.Prefix `mapstructure:"trusted_proxies"`
	KeyProvider    string         `mapstructure:"key_provider"`

	TLS        TLS                  `mapstructure:"tls"`
	Database   Database             `mapstructure:"database"`
	Admin      Admin                `mapstructure:"admin"`
	Audit      Audit                `mapstructure:"audit"`
	Log        Log                  `mapstructure:"log"`
	Limits     Limits               `mapstructure:"limits"`
	Connectors map[string]Connector `mapstructure:"connectors"`
	// OAuthServer makes serve the OAuth 2.1 authorization server for its
	// own endpoints (off unless enabled).
	OAuthServer OAuthServer `mapstructure:"oauth_server"`
	// UpstreamOAuth configures mcpgate as the OAuth client of MCP servers.
	UpstreamOAuth UpstreamOAuth `mapstructure:"upstream_oauth"`
	MCP           MCP           `mapstructure:"mcp"`
	// Approvals is how calls that a policy sends to a person wait for,
	// and tell of, their approval.
	Approvals Approvals `mapstructure:"approvals"`

	// File is the config file that was read, "" if none.
	File string `mapstructure:"-"`
	// FileHoldsSecret is set when File itself holds a client_secret (so
	// its mode matters).
	FileHoldsSecret bool `mapstructure:"-"`
}

// TLS is how serve terminates TLS.
type TLS struct {
	Mode       string   `mapstructure:"mode"` // auto, files, off
	Domains    []string `mapstructure:"domains"`
	ACMECA     string   `mapstructure:"acme_ca"`
	ACMERoot   string   `mapstructure:"acme_ca_root"` // PEM file trusted for the ACME CA (test CAs)
	Email      string   `mapstructure:"email"`
	CertFile   string   `mapstructure:"cert_file"`
	KeyFile    string   `mapstructure:"key_file"`
	HTTPListen string   `mapstructure:"http_listen"` // ACME HTTP-01 and the redirect to HTTPS
}

// OAuthServer is mcpgate's own authorization server, through which
// OAuth-only MCP clients (Claude.ai, ChatGPT) get access tokens for /mcp.
// It needs public_url, https unless its host is a loopback address.
type OAuthServer struct {
	Enabled    bool          `mapstructure:"enabled"`
	AccessTTL  time.Duration `mapstructure:"access_ttl"`
	RefreshTTL time.Duration `mapstructure:"refresh_ttl"`
	// SessionTTL is how long a browser stays signed in after a passkey
	// sign-in (an absolute limit, not renewed by use).
	SessionTTL time.Duration `mapstructure:"session_ttl"`
	// ClientMetadataAllowPrivate lets a client id metadata document be
	// fetched from a loopback, private or link-local address (a client on
	// your own network); off, such a client_id is refused.
	ClientMetadataAllowPrivate bool `mapstructure:"client_metadata_allow_private"`
}

// Approvals: a call that needs a person's approval waits inline up to
// Wait; the approval, once asked for, can be given until TTL has passed.
//
// Retention is how long a decided (or expired) approval is kept once
// decided; 0 keeps them all.
type Approvals struct {
	TTL       time.Duration   `mapstructure:"ttl"`
	Wait      time.Duration   `mapstructure:"wait"`
	Retention time.Duration   `mapstructure:"retention"`
	Webhook   ApprovalWebhook `mapstructure:"webhook"`
}

// ApprovalWebhook is where a new approval is announced: a POST to URL,
// its body signed with HMAC-SHA256 under the secret in SecretFile, and
// shaped by Template (a Go text/template) when one is set.
type ApprovalWebhook struct {
	URL        string `mapstructure:"url"`
	SecretFile string `mapstructure:"secret_file"`
	Template   string `mapstructure:"template"`
}

// Database chooses the store. On PostgreSQL, URL is serve's login (which
// cannot act across users) and AdminURL the login the tables' owner, which
// init and the admin commands use; "" means URL, as with SQLite.
type Database struct {
	URL      string `mapstructure:"url"`
	AdminURL string `mapstructure:"admin_url"`
}

// Admin is the URL for init and the admin commands.
func (d Database) Admin() string {
	if d.AdminURL != "" {
		return d.AdminURL
	}
	return d.URL
}

// Admin is the listener for /metrics.
type Admin struct {
	Listen string `mapstructure:"listen"`
}

// Audit settings.
type Audit struct {
	Retention    time.Duration `mapstructure:"retention"`
	RedactFields []string      `mapstructure:"redact_fields"`
	Forward      Forward       `mapstructure:"forward"`
}

// Forward configures audit forwarding to a SIEM (off while no sink is set).
type Forward struct {
	Syslog     ForwardSyslog  `mapstructure:"syslog"`
	Webhook    ForwardWebhook `mapstructure:"webhook"`
	Batch      int            `mapstructure:"batch"`       // records per delivery at most
	Poll       time.Duration  `mapstructure:"poll"`        // how often to look for records
	MaxBackoff time.Duration  `mapstructure:"max_backoff"` // the longest wait between retries
}

// ForwardSyslog is an RFC 5424 syslog receiver over TCP (or TLS).
type ForwardSyslog struct {
	Address         string `mapstructure:"address"` // host:port; "" = off
	TLS             bool   `mapstructure:"tls"`
	CAFile          string `mapstructure:"ca_file"`
	ServerName      string `mapstructure:"server_name"`
	MaxMessageBytes int    `mapstructure:"max_message_bytes"`
}

// ForwardWebhook is an HTTPS endpoint taking signed JSON batches.
type ForwardWebhook struct {
	URL        string `mapstructure:"url"` // "" = off
	SecretFile string `mapstructure:"secret_file"`
}

// Log settings.
type Log struct {
	Level  string `mapstructure:"level"`  // debug, info, warn, error
	Format string `mapstructure:"format"` // json, text
}

// Limits bound what a request and a tool call may cost.
type Limits struct {
	MaxBodyBytes    int64         `mapstructure:"max_body_bytes"`
	MaxResultBytes  int           `mapstructure:"max_result_bytes"`
	UpstreamTimeout time.Duration `mapstructure:"upstream_timeout"`
	ShutdownTimeout time.Duration `mapstructure:"shutdown_timeout"`
}

// MCP bounds the MCP servers mcpgate runs or reaches for its users.
type MCP struct {
	// IdleTimeout stops a server process (or closes a remote session)
	// unused for this long; it starts again on next use.
	IdleTimeout time.Duration `mapstructure:"idle_timeout"`
	// MemoryBytes, CPUSeconds and OpenFiles are a server process's
	// resource limits (RLIMIT_DATA, RLIMIT_CPU, RLIMIT_NOFILE).
	MemoryBytes int64 `mapstructure:"memory_bytes"`
	CPUSeconds  int64 `mapstructure:"cpu_seconds"`
	OpenFiles   int64 `mapstructure:"open_files"`
	// MaxMessageBytes bounds one message from an MCP server; a bigger one
	// fails the call (and, over stdio, restarts the process).
	MaxMessageBytes int `mapstructure:"max_message_bytes"`
}

// Connector overrides a provider's endpoints and holds its OAuth client.
type Connector struct {
	APIURL   string `mapstructure:"api_url"`
	AuthURL  string `mapstructure:"auth_url"`
	TokenURL string `mapstructure:"token_url"`
	// RevokeURL is the token revocation endpoint, for the providers in
	// RevokeURLProviders (the others revoke through api_url).
	RevokeURL        string `mapstructure:"revoke_url"`
	ClientID         string `mapstructure:"client_id"`
	ClientSecret     string `mapstructure:"client_secret"`
	ClientSecretFile string `mapstructure:"client_secret_file"`
}

// Providers are the connector names the config knows, so that their
// MCPGATE_CONNECTORS_<NAME>_* variables are read.
var Providers = []string{"github", "slack", "google", "dropbox"}

// RevokeURLProviders are the providers with a token revocation endpoint
// apart from their API, which connectors.<provider>.revoke_url overrides.
var RevokeURLProviders = []string{"google"}

// FileName is the config file's name inside the data dir.
const FileName = "mcpgate.yaml"

func defaults() map[string]any {
	return map[string]any{
		"data_dir":                                   "",
		"listen":                                     "127.0.0.1:8443",
		"public_url":                                 "",
		"behind_proxy":                               false,
		"trusted_proxies":                            []string{"127.0.0.0/8", "::1/128"},
		"key_provider":                               "",
		"tls.mode":                                   "off",
		"tls.domains":                                []string{},
		"tls.acme_ca":                                "https://acme-v02.api.letsencrypt.org/directory",
		"tls.acme_ca_root":                           "",
		"tls.email":                                  "",
		"tls.cert_file":                              "",
		"tls.key_file":                               "",
		"tls.http_listen":                            ":80",
		"database.url":                               "",
		"database.admin_url":                         "",
		"admin.listen":                               "127.0.0.1:9090",
		"audit.retention":                            "0s",
		"audit.redact_fields":                        []string{"body", "content"},
		"audit.forward.syslog.address":               "",
		"audit.forward.syslog.tls":                   false,
		"audit.forward.syslog.ca_file":               "",
		"audit.forward.syslog.server_name":           "",
		"audit.forward.syslog.max_message_bytes":     65536,
		"audit.forward.webhook.url":                  "",
		"audit.forward.webhook.secret_file":          "",
		"audit.forward.batch":                        500,
		"audit.forward.poll":                         "1s",
		"audit.forward.max_backoff":                  "1m",
		"log.level":                                  "info",
		"log.format":                                 "json",
		"limits.max_body_bytes":                      int64(1 << 20),
		"limits.max_result_bytes":                    64 << 10,
		"limits.upstream_timeout":                    "30s",
		"limits.shutdown_timeout":                    "20s",
		"oauth_server.enabled":                       false,
		"oauth_server.access_ttl":                    "1h",
		"oauth_server.refresh_ttl":                   "720h",
		"oauth_server.session_ttl":                   "12h",
		"oauth_server.client_metadata_allow_private": false,
		"approvals.ttl":                              "10m",
		"approvals.wait":                             "25s",
		"approvals.retention":                        "720h",
		"approvals.webhook.url":                      "",
		"approvals.webhook.secret_file":              "",
		"approvals.webhook.template":                 "",
		"mcp.idle_timeout":                           "10m",
		"mcp.memory_bytes":                           int64(2 << 30),
		"mcp.cpu_seconds":                            int64(3600),
		"mcp.open_files":                             int64(1024),
		"mcp.max_message_bytes":                      8 << 20,
		// Plain http to a loopback MCP or authorization server, for tests
		// only: in use every URL of an OAuth flow must be https.
		"upstream_oauth.allow_http_loopback": false,
	}
}

// UpstreamOAuth configures mcpgate as the OAuth client of MCP servers.
type UpstreamOAuth struct {
	// AllowHTTPLoopback accepts plain http URLs naming a loopback address
	// during discovery and registration (tests; never in use).
	AllowHTTPLoopback bool `mapstructure:"allow_http_loopback"`
}
