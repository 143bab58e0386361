package toolkit_test

import (
	"testing"

	"github.com/mcpgate/mcpgate/pkg/connector/toolkit"
)

func TestClipCutsOnARuneBoundary(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		n    int
		want string
	}{
		{"short", 10, "short"},
		{"abcdef", 3, "abc…"},
		{"aé", 2, "a…"}, // é is two bytes; cutting inside it would break UTF-8
	}
	for _, tt := range tests {
		if got := toolkit.Clip(tt.in, tt.n); got != tt.want {
			t.Errorf("Clip(%q, %d) = %q, want %q", tt.in, tt.n, got, tt.want)
		}
	}
}

func TestDetail(t *testing.T) {
	t.Parallel()
	if got := toolkit.Detail(""); got != "" {
		t.Errorf(`Detail("") = %q, want ""`, got)
	}
	if got := toolkit.Detail("Bad credentials"); got != ": Bad credentials" {
		t.Errorf("Detail = %q", got)
	}
}
