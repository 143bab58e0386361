package config_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"

	"github.com/mcpgate/mcpgate/pkg/config"
)

func writeFile(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "mcpgate.yaml")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestDefaultsDeriveFromDataDir(t *testing.T) {
	dir := t.TempDir()
	c, err := config.Load(config.Options{Env: []string{"MCPGATE_DATA_DIR=" + dir}})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := c.Database.URL, "sqlite://"+filepath.Join(dir, "mcpgate.db"); got != want {
		t.Errorf("database.url = %q, want %q", got, want)
	}
	if got, want := c.KeyProvider, "local://"+filepath.Join(dir, "kek"); got != want {
		t.Errorf("key_provider = %q, want %q", got, want)
	}
	if c.Listen != "127.0.0.1:8443" || c.TLS.Mode != "off" || c.Admin.Listen != "127.0.0.1:9090" {
		t.Errorf("unexpected defaults: %+v", c)
	}
}

func TestPrecedenceFileEnvFlag(t *testing.T) {
	file := writeFile(t, "listen: 127.0.0.1:1001\nlog:\n  level: warn\nlimits:\n  upstream_timeout: 5s\n")
	flags := pflag.NewFlagSet("t", pflag.ContinueOnError)
	flags.String("listen", "", "")
	if err := flags.Parse([]string{"--listen", "127.0.0.1:3003"}); err != nil {
		t.Fatal(err)
	}
	env := []string{"MCPGATE_LISTEN=127.0.0.1:2002", "MCPGATE_LOG_LEVEL=debug", "MCPGATE_CONNECTORS_GITHUB_API_URL=http://127.0.0.1:9/api"}

	c, err := config.Load(config.Options{File: file, Env: env, Flags: flags})
	if err != nil {
		t.Fatal(err)
	}
	if c.Listen != "127.0.0.1:3003" {
		t.Errorf("listen = %q, want the flag's value", c.Listen)
	}
	if c.Log.Level != "debug" {
		t.Errorf("log.level = %q, want the environment's value over the file's", c.Log.Level)
	}
	if c.Limits.UpstreamTimeout != 5*time.Second {
		t.Errorf("limits.upstream_timeout = %v, want the file's 5s", c.Limits.UpstreamTimeout)
	}
	if got := c.Connectors["github"].APIURL; got != "http://127.0.0.1:9/api" {
		t.Errorf("connectors.github.api_url = %q, want it from the environment", got)
	}
}

func TestErrorsNameTheKey(t *testing.T) {
	tests := []struct {
		name, file string
		env        []string
		want       string
	}{
		{"unknown top-level key", "listne: 127.0.0.1:1\n", nil, "listne"},
		{"unknown nested key", "tls:\n  moed: off\n", nil, "moed"},
		{"unknown provider", "connectors:\n  githib:\n    api_url: http://x\n", nil, "connectors.githib"},
		{"bad tls mode", "tls:\n  mode: sometimes\n", nil, "tls.mode"},
		{"tls off on a public address", "listen: 0.0.0.0:443\n", nil, "tls.mode: off is only allowed"},
		{"bad duration", "limits:\n  upstream_timeout: soon\n", nil, "upstream_timeout"},
		{"bad listen", "listen: nowhere\n", nil, "listen"},
		{"auto without domains", "tls:\n  mode: auto\n", nil, "tls.domains"},
		{"unknown env var", "", []string{"MCPGATE_LISTN=1"}, "MCPGATE_LISTN"},
		{"bad log level", "", []string{"MCPGATE_LOG_LEVEL=loud"}, "log.level"},
		{"revoke_url not a URL", "connectors:\n  google:\n    revoke_url: revoke\n", nil, "connectors.google.revoke_url"},
		{"revoke_url of another scheme", "connectors:\n  google:\n    revoke_url: ftp://x/revoke\n", nil, "connectors.google.revoke_url"},
		{"revoke_url for a provider without one", "connectors:\n  github:\n    revoke_url: https://x/revoke\n", nil, "connectors.github.revoke_url: github revokes tokens through its API"},
		{"revoke_url from the environment", "", []string{"MCPGATE_CONNECTORS_DROPBOX_REVOKE_URL=https://x/r"}, "connectors.dropbox.revoke_url"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			opts := config.Options{Env: append([]string{"MCPGATE_DATA_DIR=" + t.TempDir()}, tt.env...)}
			if tt.file != "" {
				opts.File = writeFile(t, tt.file)
			}
			_, err := config.Load(opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Load: got %v, want an error naming %q", err, tt.want)
			}
		})
	}
}

func TestDurationsInDays(t *testing.T) {
	file := writeFile(t, "audit:\n  retention: 90d\n")
	c, err := config.Load(config.Options{File: file, Env: []string{"MCPGATE_DATA_DIR=" + t.TempDir()}})
	if err != nil {
		t.Fatal(err)
	}
	if c.Audit.Retention != 90*24*time.Hour {
		t.Fatalf("audit.retention = %v, want 90 days", c.Audit.Retention)
	}
	if c.Approvals.Retention != 30*24*time.Hour {
		t.Fatalf("approvals.retention = %v, want the default, 30 days", c.Approvals.Retention)
	}
	if _, err := config.Load(config.Options{File: writeFile(t, "audit:\n  retention: 9xd\n"), Env: []string{}}); err == nil || !strings.Contains(err.Error(), "retention") {
		t.Fatalf("a bad day count: %v", err)
	}
}

func TestBehindProxyAllowsTLSOff(t *testing.T) {
	file := writeFile(t, "listen: 0.0.0.0:8080\nbehind_proxy: true\n")
	if _, err := config.Load(config.Options{File: file, Env: []string{}}); err != nil {
		t.Fatalf("Load: %v", err)
	}
}

func TestMissingExplicitFile(t *testing.T) {
	_, err := config.Load(config.Options{File: filepath.Join(t.TempDir(), "nope.yaml"), Env: []string{}})
	if err == nil || !strings.Contains(err.Error(), "nope.yaml") {
		t.Fatalf("got %v, want an error naming the file", err)
	}
}

func TestTrustedProxies(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		file    string
		env     string
		want    string // the prefixes, space-separated
		wantErr string
	}{
		{"default is loopback", "", "", "127.0.0.0/8 ::1/128", ""},
		{"CIDRs and single addresses", "trusted_proxies: [10.0.0.0/8, 192.0.2.7, \"2001:db8::/32\"]\n", "", "10.0.0.0/8 192.0.2.7/32 2001:db8::/32", ""},
		{"from the environment", "", "10.1.0.0/16,10.2.0.9", "10.1.0.0/16 10.2.0.9/32", ""},
		{"none", "trusted_proxies: []\n", "", "", ""},
		{"not an address", "trusted_proxies: [proxy.example]\n", "", "", `"proxy.example" is not an IP address or a CIDR`},
		{"host bits set", "trusted_proxies: [10.0.0.5/8]\n", "", "", `write 10.0.0.0/8`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			opts := config.Options{Env: []string{"MCPGATE_DATA_DIR=" + t.TempDir()}}
			if tt.file != "" {
				opts.File = writeFile(t, tt.file)
			}
			if tt.env != "" {
				opts.Env = append(opts.Env, "MCPGATE_TRUSTED_PROXIES="+tt.env)
			}
			c, err := config.Load(opts)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), "trusted_proxies") {
					t.Fatalf("Load error = %v, want one naming trusted_proxies and containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, p := range c.TrustedProxies {
				got = append(got, p.String())
			}
			if strings.Join(got, " ") != tt.want {
				t.Errorf("trusted_proxies = %q, want %q", strings.Join(got, " "), tt.want)
			}
		})
	}
}

func TestGoogleRevokeURLIsASetting(t *testing.T) {
	file := writeFile(t, "connectors:\n  google:\n    revoke_url: http://127.0.0.1:9/revoke\n")
	c, err := config.Load(config.Options{File: file, Env: []string{"MCPGATE_DATA_DIR=" + t.TempDir()}})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := c.Connectors["google"].RevokeURL, "http://127.0.0.1:9/revoke"; got != want {
		t.Errorf("connectors.google.revoke_url = %q, want %q", got, want)
	}
	c, err = config.Load(config.Options{Env: []string{"MCPGATE_DATA_DIR=" + t.TempDir(), "MCPGATE_CONNECTORS_GOOGLE_REVOKE_URL=https://r.example/revoke"}})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := c.Connectors["google"].RevokeURL, "https://r.example/revoke"; got != want {
		t.Errorf("from the environment: %q, want %q", got, want)
	}
}

func TestOAuthServerNeedsAnHTTPSPublicURL(t *testing.T) {
	tests := []struct {
		name, publicURL string
		ok              bool
	}{
		{"https origin", "https://gw.example.com", true},
		{"https origin with slash", "https://gw.example.com/", true},
		{"loopback http", "http://127.0.0.1:8443", true},
		{"localhost http", "http://localhost:8443", true},
		{"no public_url", "", false},
		{"plain http on a public name", "http://gw.example.com", false},
		{"a path", "https://gw.example.com/mcpgate", false},
		{"a query", "https://gw.example.com/?x=1", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := []string{"MCPGATE_DATA_DIR=" + t.TempDir(), "MCPGATE_OAUTH_SERVER_ENABLED=true"}
			if tt.publicURL != "" {
				env = append(env, "MCPGATE_PUBLIC_URL="+tt.publicURL)
			}
			_, err := config.Load(config.Options{Env: env})
			if (err == nil) != tt.ok {
				t.Fatalf("got %v, want ok=%v", err, tt.ok)
			}
			if err != nil && !strings.Contains(err.Error(), "oauth_server") && !strings.Contains(err.Error(), "public_url") {
				t.Errorf("error %q does not name the setting", err)
			}
		})
	}
}

// TestREADMEOAuthServerExample loads the README's oauth_server example.
func TestREADMEOAuthServerExample(t *testing.T) {
	cfg := loadREADMEExample(t, "## Claude.ai, ChatGPT and other OAuth clients")
	if !cfg.OAuthServer.Enabled || cfg.PublicURL != "https://mcp.example.com" || cfg.OAuthServer.RefreshTTL != 720*time.Hour {
		t.Errorf("loaded %+v, public_url %q", cfg.OAuthServer, cfg.PublicURL)
	}
}

// TestREADMEApprovalWebhookExamples loads the README's webhook examples,
// and refuses a webhook without its secret and a wait longer than the
// approval's life.
func TestREADMEApprovalWebhookExamples(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	load := func(doc string) (*config.Config, error) {
		dir := t.TempDir()
		file := filepath.Join(dir, "mcpgate.yaml")
		if err := os.WriteFile(file, []byte(doc), 0o600); err != nil {
			t.Fatal(err)
		}
		return config.Load(config.Options{Env: []string{"MCPGATE_DATA_DIR=" + dir, "MCPGATE_CONFIG=" + file}})
	}
	n := 0
	for _, block := range strings.Split(string(readme), "```yaml\n")[1:] {
		example, _, _ := strings.Cut(block, "```")
		if !strings.HasPrefix(example, "approvals:") {
			continue
		}
		n++
		cfg, err := load(example)
		if err != nil {
			t.Fatalf("%s: %v", example, err)
		}
		if cfg.Approvals.Webhook.Template == "" || cfg.Approvals.TTL != 10*time.Minute || cfg.Approvals.Wait != 25*time.Second || cfg.Approvals.Retention != 30*24*time.Hour {
			t.Errorf("loaded %+v", cfg.Approvals)
		}
	}
	if n != 2 {
		t.Fatalf("found %d approvals examples, want 2", n)
	}
	for doc, want := range map[string]string{
		"approvals:\n  webhook:\n    url: https://hooks.example.com/x\n": "approvals.webhook.secret_file",
		"approvals:\n  ttl: 1m\n  wait: 2m\n":                            "approvals.wait",
		"approvals:\n  ttl: 1h\n  retention: 30m\n":                      "approvals.retention",
	} {
		if _, err := load(doc); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want an error naming %s", doc, err, want)
		}
	}
}

// TestREADMEForwardExample loads the README's audit forwarding example.
func TestREADMEForwardExample(t *testing.T) {
	cfg := loadREADMEExample(t, "### Forwarding to a SIEM")
	f := cfg.Audit.Forward
	if f.Syslog.Address != "siem.example.com:6514" || !f.Syslog.TLS || f.Syslog.CAFile == "" ||
		f.Webhook.URL != "https://siem.example.com/ingest/mcpgate" || f.Webhook.SecretFile == "" || f.Batch != 500 {
		t.Errorf("loaded %+v", f)
	}
}

func TestForwardSettingsAreValidated(t *testing.T) {
	for name, env := range map[string][]string{
		"a syslog address without a port":    {"MCPGATE_AUDIT_FORWARD_SYSLOG_ADDRESS=siem.example.com"},
		"tls without an address":             {"MCPGATE_AUDIT_FORWARD_SYSLOG_TLS=true"},
		"a webhook over plain http":          {"MCPGATE_AUDIT_FORWARD_WEBHOOK_URL=http://siem.example.com/x", "MCPGATE_AUDIT_FORWARD_WEBHOOK_SECRET_FILE=/s"},
		"a webhook with credentials in it":   {"MCPGATE_AUDIT_FORWARD_WEBHOOK_URL=https://u:p@siem.example.com/x", "MCPGATE_AUDIT_FORWARD_WEBHOOK_SECRET_FILE=/s"},
		"a webhook without its secret file":  {"MCPGATE_AUDIT_FORWARD_WEBHOOK_URL=https://siem.example.com/x"},
		"a batch of none":                    {"MCPGATE_AUDIT_FORWARD_BATCH=0"},
		"a message limit below one record's": {"MCPGATE_AUDIT_FORWARD_SYSLOG_MAX_MESSAGE_BYTES=100"},
	} {
		_, err := config.Load(config.Options{Env: append([]string{"MCPGATE_DATA_DIR=" + t.TempDir()}, env...)})
		if err == nil || !strings.Contains(err.Error(), "audit.forward") {
			t.Errorf("%s: got %v, want an error naming audit.forward", name, err)
		}
	}
}

// loadREADMEExample loads the first yaml example after the README's
// heading as a config file.
func loadREADMEExample(t *testing.T, heading string) *config.Config {
	t.Helper()
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(readme), heading)
	if !ok {
		t.Fatalf("the README has no %q section", heading)
	}
	_, rest, _ = strings.Cut(rest, "```yaml\n")
	example, _, ok := strings.Cut(rest, "```")
	if !ok {
		t.Fatalf("no yaml example in the README's %q section", heading)
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "mcpgate.yaml")
	if err := os.WriteFile(file, []byte(example), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(config.Options{Env: []string{"MCPGATE_DATA_DIR=" + dir, "MCPGATE_CONFIG=" + file}})
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}
