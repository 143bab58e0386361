package mcpup

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	"github.com/mcpgate/mcpgate/pkg/secret"
)

// TestStderrSecretCutAtTheLineLimitIsRedacted: a secret that straddles
// the point where a long stderr line is cut must not reach the log, not
// even its first part.
func TestStderrSecretCutAtTheLineLimitIsRedacted(t *testing.T) {
	const canary = "sk-CANARY-stderr-0123456789abcdef"
	line := strings.Repeat("x", stderrLine-10) + canary + "\n"
	var out bytes.Buffer
	log := slog.New(slog.NewTextHandler(&out, nil))
	logStderr(strings.NewReader(line), log, secret.NewRedactor(secret.FromString(canary)), "c")
	if strings.Contains(out.String(), canary[:10]) {
		t.Fatalf("part of the secret reached the log: %s", out.String())
	}
	if !strings.Contains(out.String(), "mcp server stderr") {
		t.Fatalf("the line was not logged: %q", out.String())
	}
}
