package tlstest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mcpgate/mcpgate/pkg/config"
)

// TestTLSConfigRefusals: plain HTTP is served only where nobody else can
// reach it (loopback) or where a proxy in front terminates TLS, and the
// other TLS modes are refused without what they need. Each case is a config
// file as an operator writes it.
func TestTLSConfigRefusals(t *testing.T) {
	t.Parallel()
	const offRefused = "tls.mode: off is only allowed when listen is a loopback address"
	for _, tc := range []struct {
		name, yaml string
		wantErr    string // "" means accepted
	}{
		{"off on all interfaces is refused", `listen: "0.0.0.0:8443"` + "\ntls: {mode: \"off\"}", offRefused + ` (got "0.0.0.0:8443") or with behind_proxy: true`},
		{"off on all IPv6 interfaces is refused", `listen: "[::]:8443"` + "\ntls: {mode: \"off\"}", offRefused},
		{"off on a public address is refused", `listen: "203.0.113.7:8443"` + "\ntls: {mode: \"off\"}", offRefused},
		{"off on a host name is refused", `listen: "gateway.example:8443"` + "\ntls: {mode: \"off\"}", offRefused},
		{"off with behind_proxy false is refused", `listen: "0.0.0.0:8443"` + "\nbehind_proxy: false\ntls: {mode: \"off\"}", offRefused},
		{"off on all interfaces behind a proxy is allowed", `listen: "0.0.0.0:8443"` + "\nbehind_proxy: true\ntls: {mode: \"off\"}", ""},
		{"off on 127.0.0.1 is allowed", `listen: "127.0.0.1:8443"` + "\ntls: {mode: \"off\"}", ""},
		{"off on ::1 is allowed", `listen: "[::1]:8443"` + "\ntls: {mode: \"off\"}", ""},
		{"off on localhost is allowed", `listen: "localhost:8443"` + "\ntls: {mode: \"off\"}", ""},
		{"files without a key file is refused", `listen: "0.0.0.0:443"` + "\ntls: {mode: files, cert_file: /etc/ssl/c.pem}", "tls.cert_file and tls.key_file: both are required"},
		{"auto without domains is refused", `listen: "0.0.0.0:443"` + "\ntls: {mode: auto}", "tls.domains: at least one domain is required"},
		{"an unknown mode is refused", `listen: "0.0.0.0:443"` + "\ntls: {mode: on}", `tls.mode: "on" is not one of auto, files, off`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			file := filepath.Join(dir, "mcpgate.yaml")
			if err := os.WriteFile(file, []byte(tc.yaml+"\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := config.Load(config.Options{File: file, Env: []string{"MCPGATE_DATA_DIR=" + dir}})
			switch {
			case tc.wantErr == "" && err != nil:
				t.Errorf("refused: %v", err)
			case tc.wantErr != "" && err == nil:
				t.Errorf("accepted, want refused with %q", tc.wantErr)
			case tc.wantErr != "" && !strings.Contains(err.Error(), tc.wantErr):
				t.Errorf("err = %q, want it to contain %q", err, tc.wantErr)
			}
		})
	}
}
