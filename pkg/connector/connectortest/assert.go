package connectortest

import (
	"strings"
	"testing"
)

// AssertContains fails the test unless got holds every want.
func AssertContains(t testing.TB, got string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Errorf("got:\n%s\nwant it to contain %q", got, w)
		}
	}
}

// AssertOmits fails the test if got holds any of unwanted.
func AssertOmits(t testing.TB, got string, unwanted ...string) {
	t.Helper()
	for _, w := range unwanted {
		if strings.Contains(got, w) {
			t.Errorf("got:\n%s\nwant it not to contain %q", got, w)
		}
	}
}

// ErrText is err's message, or "<nil>", so that a missing error shows in
// a failed assertion instead of a panic.
func ErrText(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}
