package awskms_test

import (
	"context"
	"strings"
	"testing"

	"github.com/mcpgate/mcpgate/pkg/keyprovider/awskms"
)

// TestOpenRefusesAnEndpointThatNamesAnotherKey: the provider checks the
// key id the endpoint reports about itself against the key it was
// configured with, at open (DescribeKey) and on every Encrypt and Decrypt
// (the ARN pinned at open, an alias resolved once).
func TestOpenRefusesAnEndpointThatNamesAnotherKey(t *testing.T) {
	t.Parallel()
	s := newFake(t)
	other := s.CreateKey()
	lying := s.CreateKey()
	s.ReportKeyID(lying, other)
	bareID := lying[strings.LastIndex(lying, "/")+1:]
	tests := []struct{ name, key string }{
		{"configured by ARN", lying},
		{"configured by key id", bareID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := awskms.Open(context.Background(), tt.key, options(s))
			if err == nil || !strings.Contains(err.Error(), "not the configured") {
				t.Fatalf("Open(%s) while the endpoint reports %s: got %v, want a refusal naming both keys", tt.key, other, err)
			}
		})
	}
	t.Run("a reported id that is not a key ARN", func(t *testing.T) {
		t.Parallel()
		k := s.CreateKey()
		s.ReportKeyID(k, "arn:aws:kms:us-east-1:111122223333:alias/elsewhere")
		s.SetAlias("alias/odd", k)
		if _, err := awskms.Open(context.Background(), "alias/odd", options(s)); err == nil || !strings.Contains(err.Error(), "not a key ARN") {
			t.Fatalf("Open via alias: got %v, want a refusal", err)
		}
	})
}

func TestWrapAndUnwrapRefuseAnotherReportedKey(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newFake(t)
	k, other := s.CreateKey(), s.CreateKey()
	s.SetAlias("alias/kek", k)
	p := mustOpen(t, s, "alias/kek")
	w, err := p.Wrap(ctx, make([]byte, 32), []byte("u"))
	if err != nil {
		t.Fatal(err)
	}
	s.ReportKeyID(k, other)
	if _, err := p.Wrap(ctx, make([]byte, 32), []byte("u")); err == nil || !strings.Contains(err.Error(), "not the configured") {
		t.Errorf("Wrap while the endpoint reports %s: got %v, want a refusal", other, err)
	}
	if _, err := p.Unwrap(ctx, w, []byte("u")); err == nil || !strings.Contains(err.Error(), other) {
		t.Errorf("Unwrap while the endpoint reports %s: got %v, want a refusal naming it", other, err)
	}
}
