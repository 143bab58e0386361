package toolkit_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/mcpgate/mcpgate/pkg/connector/toolkit"
)

func TestRedact(t *testing.T) {
	t.Parallel()
	if got, want := toolkit.Redact("tok said tok", "tok"), "[redacted] said [redacted]"; got != want {
		t.Errorf("Redact = %q, want %q", got, want)
	}
	if got := toolkit.Redact("nothing to hide", ""); got != "nothing to hide" {
		t.Errorf("Redact with no token = %q", got)
	}
}

func TestRedactBearer(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		`header "Bearer sl.abc-123"`:       `header "Bearer [redacted]"`,
		"authorization: bearer xoxb-1, ok": "authorization: Bearer [redacted], ok",
		"no credential here":               "no credential here",
	}
	for in, want := range tests {
		if got := toolkit.RedactBearer(in); got != want {
			t.Errorf("RedactBearer(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestKindsKeepsOnlyWhatTheErrorMatches(t *testing.T) {
	t.Parallel()
	errA, errB := errors.New("a"), errors.New("b")
	err := fmt.Errorf("wrapped: %w", errA)
	got := toolkit.Kinds(err, errA, errB, context.Canceled)
	if len(got) != 1 || got[0] != errA {
		t.Errorf("Kinds = %v, want [a]", got)
	}
	if got := toolkit.Kinds(errors.New("plain"), errA); got != nil {
		t.Errorf("Kinds of an unrelated error = %v, want nil", got)
	}
}

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
