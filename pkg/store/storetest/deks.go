package storetest

import (
	"testing"

	"github.com/mcpgate/mcpgate/pkg/store"
)

func (h harness) deks(t *testing.T) {
	rewrapped := func(d store.DEK) store.DEK {
		d.KEKID, d.Wrapped, d.CreatedAt = "local:2", []byte("rewrapped-"+d.UserID), at(100)
		return d
	}
	h.runCases(t, []testCase{
		{"list returns every user's DEK", func(t *testing.T, f *fixture) {
			got, err := f.priv.ListDEKs(t.Context())
			must(t, err)
			equal(t, "DEKs", got, []store.DEK{newDEK(f.alice.ID), newDEK(f.bob.ID)})
		}},
		{"replace stores the new DEK when KEK and version still match", func(t *testing.T, f *fixture) {
			old := newDEK(f.alice.ID)
			must(t, f.priv.ReplaceDEK(t.Context(), old, rewrapped(old)))
			got, err := f.a.DEK(t.Context())
			must(t, err)
			equal(t, "DEK", got, rewrapped(old))
			got, err = f.b.DEK(t.Context())
			must(t, err)
			equal(t, "bob's DEK", got, newDEK(f.bob.ID))
		}},
		{"replace can bump the version", func(t *testing.T, f *fixture) {
			old := newDEK(f.alice.ID)
			next := old
			next.Version, next.Wrapped = 2, []byte("fresh key")
			must(t, f.priv.ReplaceDEK(t.Context(), old, next))
			got, err := f.a.DEK(t.Context())
			must(t, err)
			equal(t, "DEK", got, next)
		}},
		{"replace from a stale KEK id is not found and changes nothing", func(t *testing.T, f *fixture) {
			old := newDEK(f.alice.ID)
			stale := old
			stale.KEKID = "local:0"
			wantErr(t, f.priv.ReplaceDEK(t.Context(), stale, rewrapped(old)), store.ErrNotFound)
			got, err := f.a.DEK(t.Context())
			must(t, err)
			equal(t, "DEK", got, old)
		}},
		{"replace from a stale version is not found", func(t *testing.T, f *fixture) {
			stale := newDEK(f.alice.ID)
			stale.Version = 7
			wantErr(t, f.priv.ReplaceDEK(t.Context(), stale, rewrapped(stale)), store.ErrNotFound)
		}},
		{"of two replaces from the same DEK only the first wins", func(t *testing.T, f *fixture) {
			old := newDEK(f.alice.ID)
			must(t, f.priv.ReplaceDEK(t.Context(), old, rewrapped(old)))
			second := old
			second.KEKID = "local:3"
			wantErr(t, f.priv.ReplaceDEK(t.Context(), old, second), store.ErrNotFound)
			got, err := f.a.DEK(t.Context())
			must(t, err)
			equal(t, "DEK", got, rewrapped(old))
		}},
		{"replacing an unknown user's DEK is not found", func(t *testing.T, f *fixture) {
			old := newDEK("u_nobody")
			wantErr(t, f.priv.ReplaceDEK(t.Context(), old, rewrapped(old)), store.ErrNotFound)
		}},
	})
}
