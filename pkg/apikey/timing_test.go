package apikey

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/mcpgate/mcpgate/pkg/store"
)

// TestVerifierRefusalTimeDoesNotRevealKnownIDs measures, with the real
// Argon2id parameters, how long Verify takes to refuse an unknown id, a
// revoked key and a wrong secret for a live key, and fails if their median
// times differ by more than a generous factor. Before unknown and revoked
// keys were checked against the dummy hash they answered in microseconds
// and a wrong secret in tens of milliseconds: a ratio in the thousands.
//
// It is not parallel, so that no other test of the package competes for
// the cores while it measures.
func TestVerifierRefusalTimeDoesNotRevealKnownIDs(t *testing.T) {
	const rounds = 24
	const maxRatio = 3.0

	keys := map[string]store.APIKey{}
	add := func(revoked bool) (raw, id string) {
		r, id, err := Generate()
		if err != nil {
			t.Fatal(err)
		}
		phc, err := HashKey(r) // the real parameters, as stored keys have
		if err != nil {
			t.Fatal(err)
		}
		k := store.APIKey{ID: id, UserID: "u1", Name: "k", Hash: phc}
		if revoked {
			k.RevokedAt = time.Now()
		}
		keys[id] = k
		return r.Reveal(), id
	}
	_, liveID := add(false)
	revokedRaw, _ := add(true)
	kt := &keyTable{keys: keys}
	v := NewVerifier(kt.lookup, Options{FailureBurst: 10 * rounds})

	kinds := []struct {
		name string
		raw  func() string
	}{
		{"wrong secret for a live id", func() string { return wrongSecret(t, liveID) }},
		{"unknown id", func() string { r, _, _ := Generate(); return r.Reveal() }},
		{"revoked key", func() string { return revokedRaw }},
	}
	times := make([][]time.Duration, len(kinds))
	// Interleaved, so that a burst of load from elsewhere slows every kind
	// alike rather than one.
	for range rounds {
		for i, k := range kinds {
			raw := k.raw()
			start := time.Now()
			_, err := v.Verify(context.Background(), raw, "192.0.2.200")
			times[i] = append(times[i], time.Since(start))
			if err != ErrInvalid {
				t.Fatalf("%s: Verify = %v, want ErrInvalid", k.name, err)
			}
		}
	}
	base := median(times[0])
	for i, k := range kinds[1:] {
		m := median(times[i+1])
		ratio := float64(max(base, m)) / float64(max(min(base, m), time.Microsecond))
		t.Logf("median refusal: %s %v, %s %v (ratio %.2f)", kinds[0].name, base, k.name, m, ratio)
		if ratio > maxRatio {
			t.Errorf("%s is refused in a median %v, a wrong secret in %v: a ratio of %.1f (> %.1f) tells which ids exist",
				k.name, m, base, ratio, maxRatio)
		}
	}
}

func median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}
