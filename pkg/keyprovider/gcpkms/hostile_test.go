package gcpkms_test

import (
	"context"
	"strings"
	"testing"

	"github.com/mcpgate/mcpgate/pkg/keyprovider/gcpkms"
)

// TestAnEndpointThatNamesAnotherKeyIsRefused: the provider checks the key
// name the endpoint reports against the configured one, at open
// (GetCryptoKey) and on every Encrypt. Cloud KMS's Decrypt response names
// no key, so Decrypt relies on the key being pinned at open and on its
// ciphertext being bound to the key.
func TestAnEndpointThatNamesAnotherKeyIsRefused(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newFake(t, "kek", "later")
	s.ReportName(ring+"kek", ring+"attacker")
	if _, err := gcpkms.Open(ctx, ring+"kek", options(s)); err == nil || !strings.Contains(err.Error(), "will not use it") {
		t.Fatalf("Open while GetCryptoKey names another key: got %v, want a refusal", err)
	}

	p := mustOpen(t, s, ring+"later")
	s.ReportName(ring+"later", ring+"attacker")
	if _, err := p.Wrap(ctx, make([]byte, 32), []byte("u")); err == nil || !strings.Contains(err.Error(), ring+"attacker") {
		t.Fatalf("Wrap while Encrypt names another key: got %v, want a refusal naming it", err)
	}
}
