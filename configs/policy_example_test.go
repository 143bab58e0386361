package configs_test

import (
	"os"
	"testing"

	"github.com/mcpgate/mcpgate/pkg/guard"
)

// TestPolicyExampleCompiles keeps the example policy valid as the format
// changes.
func TestPolicyExampleCompiles(t *testing.T) {
	b, err := os.ReadFile("policy.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := guard.Compile(b); err != nil {
		t.Fatalf("configs/policy.example.yaml: %v", err)
	}
}
