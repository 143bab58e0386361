package secret

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"
)

// errUpstream is a sentinel a connector's error chain carries.
var errUpstream = errors.New("upstream refused")

type codedError struct{ code string }

func (e *codedError) Error() string { return "code " + e.code }

func TestScrubRemovesSecretsAndKeepsTheChain(t *testing.T) {
	t.Parallel()
	const token = "ghp_SCRUBCANARY/x+y=1"
	r := NewRedactor(FromString(token))
	tests := []struct {
		name     string
		err      error
		want     string
		wantSame bool // Scrub returns err itself
	}{
		{"the plain value", fmt.Errorf("call: %w: token %s", errUpstream, token), "call: upstream refused: token [redacted]", false},
		{"the base64 value", fmt.Errorf("basic %s: %w", base64.StdEncoding.EncodeToString([]byte(token)), errUpstream), "basic [redacted]: upstream refused", false},
		{"the URL-escaped value", fmt.Errorf("GET /?t=%s: %w", url.QueryEscape(token), errUpstream), "GET /?t=[redacted]: upstream refused", false},
		{"a bearer credential not among the secrets", fmt.Errorf("bad header \"Bearer xoxb-someone-else\": %w", errUpstream), "bad header \"Bearer [redacted]\": upstream refused", false},
		{"an error without a secret", fmt.Errorf("call: %w", errUpstream), "call: upstream refused", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := r.Scrub(tt.err)
			if got.Error() != tt.want {
				t.Errorf("Scrub(%q) = %q, want %q", tt.err, got, tt.want)
			}
			if (got == tt.err) != tt.wantSame {
				t.Errorf("Scrub returned the error itself: %v, want %v", got == tt.err, tt.wantSame)
			}
			if !errors.Is(got, errUpstream) {
				t.Errorf("errors.Is(Scrub(err), errUpstream) = false, want true")
			}
			if strings.Contains(fmt.Sprintf("%v %+v %s %q", got, got, got, got), "SCRUBCANARY") {
				t.Errorf("the scrubbed error prints the token")
			}
		})
	}
}

func TestScrubKeepsErrorsAsAndContextErrors(t *testing.T) {
	t.Parallel()
	const token = "tok-1234567890"
	r := NewRedactor(FromString(token))
	err := r.Scrub(fmt.Errorf("%s: %w", token, errors.Join(&codedError{code: "ratelimited"}, context.DeadlineExceeded)))
	var ce *codedError
	if !errors.As(err, &ce) || ce.code != "ratelimited" {
		t.Errorf("errors.As through Scrub = %v, want the coded error", ce)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("errors.Is(Scrub(err), context.DeadlineExceeded) = false")
	}
	if strings.Contains(err.Error(), token) {
		t.Errorf("Scrub(err) = %q holds the token", err)
	}
	if r.Scrub(nil) != nil {
		t.Error("Scrub(nil) is not nil")
	}
}
