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
		{"replace rewraps one version and leaves the others", func(t *testing.T, f *fixture) {
			v1, v2 := newDEK(f.alice.ID), newDEKVersion(f.alice.ID, 2)
			must(t, f.a.AddDEK(t.Context(), v2))
			must(t, f.priv.ReplaceDEK(t.Context(), v1, rewrapped(v1)))
			got, err := f.a.ListDEKs(t.Context())
			must(t, err)
			equal(t, "DEKs", got, []store.DEK{rewrapped(v1), v2})
		}},
		{"replace cannot change the version", func(t *testing.T, f *fixture) {
			old := newDEK(f.alice.ID)
			next := rewrapped(old)
			next.Version = 2
			if err := f.priv.ReplaceDEK(t.Context(), old, next); err == nil {
				t.Error("replace changed the version")
			}
			got, err := f.a.ListDEKs(t.Context())
			must(t, err)
			equal(t, "DEKs", got, []store.DEK{old})
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
	h.runCases(t, dekVersionCases)
}

var dekVersionCases = []testCase{
	{"the current DEK is the highest version", func(t *testing.T, f *fixture) {
		v1, v2, v3 := newDEK(f.alice.ID), newDEKVersion(f.alice.ID, 2), newDEKVersion(f.alice.ID, 3)
		must(t, f.a.AddDEK(t.Context(), v2))
		must(t, f.a.AddDEK(t.Context(), v3))
		got, err := f.a.DEK(t.Context())
		must(t, err)
		equal(t, "current", got, v3)
		all, err := f.a.ListDEKs(t.Context())
		must(t, err)
		equal(t, "versions", all, []store.DEK{v1, v2, v3})
		one, err := f.a.DEKVersion(t.Context(), 2)
		must(t, err)
		equal(t, "version 2", one, v2)
		_, err = f.a.DEKVersion(t.Context(), 9)
		wantErr(t, err, store.ErrNotFound)
	}},
	{"privileged list returns every version of every user", func(t *testing.T, f *fixture) {
		v2 := newDEKVersion(f.alice.ID, 2)
		must(t, f.a.AddDEK(t.Context(), v2))
		got, err := f.priv.ListDEKs(t.Context())
		must(t, err)
		equal(t, "DEKs", got, []store.DEK{newDEK(f.alice.ID), v2, newDEK(f.bob.ID)})
	}},
	{"adding a stored version already exists", func(t *testing.T, f *fixture) {
		wantErr(t, f.a.AddDEK(t.Context(), newDEKVersion("", 1)), store.ErrAlreadyExists)
	}},
	{"a version below the current one is refused", func(t *testing.T, f *fixture) {
		v3 := newDEKVersion(f.alice.ID, 3)
		must(t, f.a.AddDEK(t.Context(), v3))
		if err := f.a.AddDEK(t.Context(), newDEKVersion(f.alice.ID, 2)); err == nil {
			t.Error("added version 2 below version 3")
		}
		got, err := f.a.DEK(t.Context())
		must(t, err)
		equal(t, "current", got, v3)
	}},
	{"the current version is never deleted", func(t *testing.T, f *fixture) {
		wantErr(t, f.a.DeleteDEK(t.Context(), 1), store.ErrInUse)
		must(t, f.a.AddDEK(t.Context(), newDEKVersion(f.alice.ID, 2)))
		wantErr(t, f.a.DeleteDEK(t.Context(), 2), store.ErrInUse)
		got, err := f.a.ListDEKs(t.Context())
		must(t, err)
		equal(t, "versions left", len(got), 2)
	}},
	{"a version sealing a connection is in use until it is re-sealed", func(t *testing.T, f *fixture) {
		c := newConnection(f.alice.ID, "github") // sealed under version 1
		must(t, f.a.CreateConnection(t.Context(), c))
		must(t, f.a.AddDEK(t.Context(), newDEKVersion(f.alice.ID, 2)))
		wantErr(t, f.a.DeleteDEK(t.Context(), 1), store.ErrInUse)
		c.DEKVersion = 2
		must(t, f.a.UpdateConnection(t.Context(), c))
		must(t, f.a.DeleteDEK(t.Context(), 1))
		_, err := f.a.DEKVersion(t.Context(), 1)
		wantErr(t, err, store.ErrNotFound)
		wantErr(t, f.a.DeleteDEK(t.Context(), 1), store.ErrNotFound)
	}},
	{"a version sealing an OAuth state is in use until the state is gone", func(t *testing.T, f *fixture) {
		must(t, f.a.PutOAuthState(t.Context(), newOAuthState("", "h1"))) // sealed under version 1
		must(t, f.a.AddDEK(t.Context(), newDEKVersion(f.alice.ID, 2)))
		wantErr(t, f.a.DeleteDEK(t.Context(), 1), store.ErrInUse)
		_, err := f.priv.TakeOAuthState(t.Context(), "h1")
		must(t, err)
		must(t, f.a.DeleteDEK(t.Context(), 1))
	}},
	{"only the user's own rows keep a version in use", func(t *testing.T, f *fixture) {
		must(t, f.b.CreateConnection(t.Context(), newConnection(f.bob.ID, "github")))
		must(t, f.b.PutOAuthState(t.Context(), newOAuthState(f.bob.ID, "h1")))
		must(t, f.a.AddDEK(t.Context(), newDEKVersion(f.alice.ID, 2)))
		must(t, f.a.DeleteDEK(t.Context(), 1))
		got, err := f.b.DEKVersion(t.Context(), 1)
		must(t, err)
		equal(t, "bob's version 1", got, newDEK(f.bob.ID))
	}},
	{"a row cannot be written under a version the user does not have", func(t *testing.T, f *fixture) {
		ctx := t.Context()
		c := newConnection(f.alice.ID, "github")
		must(t, f.a.CreateConnection(ctx, c))
		must(t, f.a.AddDEK(ctx, newDEKVersion(f.alice.ID, 2)))
		c.DEKVersion = 2
		must(t, f.a.UpdateConnection(ctx, c))
		must(t, f.a.DeleteDEK(ctx, 1))
		retired, unknown := newConnection(f.alice.ID, "slack"), newConnection(f.alice.ID, "dropbox")
		retired.DEKVersion, unknown.DEKVersion = 1, 3
		wantErr(t, f.a.CreateConnection(ctx, retired), store.ErrStaleDEK)
		wantErr(t, f.a.CreateConnection(ctx, unknown), store.ErrStaleDEK)
		stale := c
		stale.DEKVersion, stale.Credential = 1, []byte("sealed under version 1")
		wantErr(t, f.a.UpdateConnection(ctx, stale), store.ErrStaleDEK)
		wantErr(t, f.a.UpdateConnectionIf(ctx, stale, c.UpdatedAt), store.ErrStaleDEK)
		st := newOAuthState(f.alice.ID, "h1") // version 1
		wantErr(t, f.a.PutOAuthState(ctx, st), store.ErrStaleDEK)
		bobs := newConnection(f.bob.ID, "github")
		bobs.DEKVersion = 3 // bob's version 3 is not alice's
		must(t, f.b.AddDEK(ctx, newDEKVersion(f.bob.ID, 3)))
		must(t, f.b.CreateConnection(ctx, bobs))
		stale.DEKVersion = 3
		wantErr(t, f.a.UpdateConnection(ctx, stale), store.ErrStaleDEK)
		got, err := f.a.Connection(ctx, "github")
		must(t, err)
		equal(t, "connection after the refused writes", got, c)
		_, err = f.priv.TakeOAuthState(ctx, "h1")
		wantErr(t, err, store.ErrNotFound)
	}},
	{"deleting an unknown version is not found", func(t *testing.T, f *fixture) {
		wantErr(t, f.a.DeleteDEK(t.Context(), 7), store.ErrNotFound)
	}},
}
