package config_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mcpgate/mcpgate/pkg/config"
)

// FuzzConfigFile loads arbitrary bytes as the YAML config file. Load must
// never panic, must either fail or return a configuration that passes
// Validate, and an error must name the file or a setting rather than
// repeat a client secret it read.
func FuzzConfigFile(f *testing.F) {
	for _, seed := range []string{
		"",
		"listen: 127.0.0.1:8443\n",
		"tls:\n  mode: auto\n  domains: [mcp.example.com]\n",
		"connectors:\n  google:\n    client_id: id\n    client_secret: s3cr3t-canary\n    revoke_url: https://oauth2.googleapis.com/revoke\n",
		"connectors:\n  github:\n    api_url: https://ghe.example.com/api/v3\n",
		"audit:\n  retention: 90d\n  redact_fields: [body]\n",
		"limits:\n  upstream_timeout: 5s\n  max_body_bytes: 1024\n",
		"log: {level: debug, format: text}\n",
		"connectors: [1, 2]\n",
		"listen: &a 127.0.0.1:1\nadmin:\n  listen: *a\n",
		"data_dir: !!binary aGVsbG8=\n",
		"\t- not yaml: [\n",
	} {
		f.Add([]byte(seed))
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, body []byte) {
		file := filepath.Join(t.TempDir(), "mcpgate.yaml")
		if err := os.WriteFile(file, body, 0o600); err != nil {
			t.Fatal(err)
		}
		c, err := config.Load(config.Options{File: file, Env: []string{"MCPGATE_DATA_DIR=" + dir}})
		if err != nil {
			if strings.Contains(err.Error(), "s3cr3t-canary") {
				t.Fatalf("the error repeats a client secret: %v", err)
			}
			return
		}
		if err := c.Validate(); err != nil {
			t.Fatalf("Load returned a configuration that does not validate: %v", err)
		}
		if c.File != file || c.DataDir == "" || c.Database.URL == "" || c.KeyProvider == "" {
			t.Fatalf("derived settings missing: %+v", c)
		}
	})
}
