package apikey

import (
	"context"
	"testing"

	"github.com/mcpgate/mcpgate/pkg/store"
)

// benchKey stores one key hashed with the default parameters, so the
// uncached benchmark measures the real Argon2id cost.
func benchKey(b *testing.B) (Lookup, string) {
	raw, id, err := Generate()
	if err != nil {
		b.Fatal(err)
	}
	phc, err := HashKey(raw)
	if err != nil {
		b.Fatal(err)
	}
	k := store.APIKey{ID: id, Hash: phc}
	return func(context.Context, string) (store.APIKey, error) { return k, nil }, raw.Reveal()
}

func BenchmarkVerifyCached(b *testing.B) {
	lookup, raw := benchKey(b)
	v := NewVerifier(lookup, Options{})
	if _, err := v.Verify(context.Background(), raw, "127.0.0.1"); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Verify(context.Background(), raw, "127.0.0.1"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifyUncached(b *testing.B) {
	lookup, raw := benchKey(b)
	v := NewVerifier(lookup, Options{})
	b.ReportAllocs()
	for b.Loop() {
		v.cache = newVerifiedCache(1, v.cache.ttl) // forget the last success
		if _, err := v.Verify(context.Background(), raw, "127.0.0.1"); err != nil {
			b.Fatal(err)
		}
	}
}
