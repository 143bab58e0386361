package storetest

import (
	"testing"

	"github.com/mcpgate/mcpgate/pkg/store"
)

func (h harness) keks(t *testing.T) {
	h.runCases(t, []testCase{
		{"recorded KEKs list oldest first", func(t *testing.T, f *fixture) {
			a := store.KEK{ID: "local:aaaa", URL: "local:///data/kek", CreatedAt: at(1)}
			b := store.KEK{ID: "awskms:arn", URL: "awskms://alias/mcpgate", CreatedAt: at(2)}
			must(t, f.priv.PutKEK(t.Context(), b))
			must(t, f.priv.PutKEK(t.Context(), a))
			got, err := f.priv.KEKs(t.Context())
			must(t, err)
			equal(t, "KEKs", got, []store.KEK{a, b})
		}},
		{"recording a KEK again updates its URL", func(t *testing.T, f *fixture) {
			must(t, f.priv.PutKEK(t.Context(), store.KEK{ID: "local:aaaa", URL: "local:///old", CreatedAt: at(1)}))
			must(t, f.priv.PutKEK(t.Context(), store.KEK{ID: "local:aaaa", URL: "local:///new", CreatedAt: at(3)}))
			got, err := f.priv.KEKs(t.Context())
			must(t, err)
			equal(t, "KEKs", got, []store.KEK{{ID: "local:aaaa", URL: "local:///new", CreatedAt: at(1)}})
		}},
		{"an entry's MAC and wrapped MAC key are stored, and the first MAC key stays", func(t *testing.T, f *fixture) {
			first := store.KEK{ID: "local:aaaa", URL: "local:///a", MACKey: []byte("key-1"), MAC: []byte("mac-1"), CreatedAt: at(1)}
			must(t, f.priv.PutKEK(t.Context(), first))
			second := store.KEK{ID: "local:aaaa", URL: "local:///b", MACKey: []byte("key-2"), MAC: []byte("mac-2"), CreatedAt: at(2)}
			must(t, f.priv.PutKEK(t.Context(), second))
			got, err := f.priv.KEKs(t.Context())
			must(t, err)
			want := store.KEK{ID: "local:aaaa", URL: "local:///b", MACKey: []byte("key-1"), MAC: []byte("mac-2"), CreatedAt: at(1)}
			equal(t, "KEKs", got, []store.KEK{want})
		}},
		{"a DEK's MAC is stored with it and replaced with it", func(t *testing.T, f *fixture) {
			d := newDEKVersion(f.alice.ID, 2)
			d.MAC = []byte("mac-of-v2")
			must(t, f.a.AddDEK(t.Context(), d))
			got, err := f.a.DEKVersion(t.Context(), 2)
			must(t, err)
			equal(t, "DEK", got, d)
			next := d
			next.KEKID, next.Wrapped, next.MAC = "local:2", []byte("rewrapped"), []byte("mac-after")
			must(t, f.priv.ReplaceDEK(t.Context(), d, next))
			got, err = f.a.DEKVersion(t.Context(), 2)
			must(t, err)
			equal(t, "rewrapped DEK", got, next)
		}},
	})
}
