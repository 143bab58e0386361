package apikey

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/mcpgate/mcpgate/pkg/store"
)

// A neighbour behind the same NAT who floods wrong keys must not lock out a
// client whose key is already verified.
func TestVerifierNeverLimitsAVerifiedKey(t *testing.T) {
	t.Parallel()
	const addr = "192.0.2.50:4000"
	v, kt, p, _ := newTestVerifier(Options{FailureBurst: 3})
	raw, id := kt.add(t)
	revoked, revokedID := kt.add(t)
	kt.update(revokedID, func(k *store.APIKey) { k.RevokedAt = time.Now() })
	if _, err := v.Verify(context.Background(), raw, addr); err != nil {
		t.Fatalf("first use: Verify = %v, want nil", err)
	}

	unknown, _, _ := Generate()
	flood := []string{"garbage", unknown.Reveal(), wrongSecret(t, id), revoked, wrongSecret(t, id), wrongSecret(t, id)}
	limited := false
	for _, bad := range flood {
		_, err := v.Verify(context.Background(), bad, "192.0.2.50:5000")
		limited = limited || err == ErrRateLimited
	}
	if !limited {
		t.Fatal("the flood was never rate limited; the test proves nothing")
	}

	runs := p.calls.Load()
	for i := range 5 {
		if _, err := v.Verify(context.Background(), raw, addr); err != nil {
			t.Errorf("verified key after the flood, request %d: Verify = %v, want nil", i+1, err)
		}
	}
	if got := p.calls.Load() - runs; got != 0 {
		t.Errorf("the verified key cost %d Argon2id runs after the flood, want 0 (cache hits)", got)
	}
	// The address is still limited for anything that needs Argon2id.
	if _, err := v.Verify(context.Background(), wrongSecret(t, id), addr); err != ErrRateLimited {
		t.Errorf("a wrong key after the flood: Verify = %v, want ErrRateLimited", err)
	}
}

// The failure budget must not become an oracle for which ids exist: unknown
// ids, revoked keys and wrong secrets for a live key spend it alike and pay
// the same Argon2id work.
func TestVerifierLimitsUnknownAndKnownIDsAlike(t *testing.T) {
	t.Parallel()
	const burst, attempts = 3, 5
	outcomes := func(t *testing.T, next func(t *testing.T, kt *keyTable) string) ([]error, int64) {
		v, kt, p, _ := newTestVerifier(Options{FailureBurst: burst})
		var errs []error
		for range attempts {
			_, err := v.Verify(context.Background(), next(t, kt), "203.0.113.9")
			errs = append(errs, err)
		}
		return errs, p.calls.Load()
	}
	tests := []struct {
		name string
		next func(t *testing.T, kt *keyTable) string
	}{
		{"unknown ids", func(*testing.T, *keyTable) string { r, _, _ := Generate(); return r.Reveal() }},
		{"wrong secrets for a live key", func(t *testing.T, kt *keyTable) string { _, id := kt.add(t); return wrongSecret(t, id) }},
		{"revoked keys", func(t *testing.T, kt *keyTable) string {
			raw, id := kt.add(t)
			kt.update(id, func(k *store.APIKey) { k.RevokedAt = time.Now() })
			return raw
		}},
	}
	want := []error{ErrInvalid, ErrInvalid, ErrInvalid, ErrRateLimited, ErrRateLimited}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, runs := outcomes(t, tt.next)
			if !slices.Equal(got, want) {
				t.Errorf("outcomes = %v, want %v", got, want)
			}
			if runs != burst {
				t.Errorf("Argon2id runs = %d, want %d (one per attempt within the budget)", runs, burst)
			}
		})
	}
}
