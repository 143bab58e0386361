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
	})
}
