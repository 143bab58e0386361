package storetest

import (
	"testing"

	"github.com/mcpgate/mcpgate/pkg/store"
)

func (h harness) apiKeys(t *testing.T) {
	h.runCases(t, []testCase{
		{"a created key is found by name and, privileged, by id", func(t *testing.T, f *fixture) {
			k := newAPIKey(f.alice.ID, "laptop")
			must(t, f.a.CreateAPIKey(t.Context(), k))
			got, err := f.a.APIKeyByName(t.Context(), "laptop")
			must(t, err)
			equal(t, "by name", got, k)
			got, err = f.priv.APIKey(t.Context(), k.ID)
			must(t, err)
			equal(t, "by id", got, k)
		}},
		{"an empty scope reads back as nil", func(t *testing.T, f *fixture) {
			k := newAPIKey(f.alice.ID, "laptop")
			k.Scope = []string{}
			must(t, f.a.CreateAPIKey(t.Context(), k))
			got, err := f.a.APIKeyByName(t.Context(), "laptop")
			must(t, err)
			equal(t, "scope", got.Scope, []string(nil))
		}},
		{"unknown names and ids are not found", func(t *testing.T, f *fixture) {
			_, err := f.a.APIKeyByName(t.Context(), "nope")
			wantErr(t, err, store.ErrNotFound)
			_, err = f.priv.APIKey(t.Context(), "k_nope")
			wantErr(t, err, store.ErrNotFound)
		}},
		{"a name held by an active key already exists", func(t *testing.T, f *fixture) {
			must(t, f.a.CreateAPIKey(t.Context(), newAPIKey(f.alice.ID, "laptop")))
			k := newAPIKey(f.alice.ID, "laptop")
			k.ID = "k_second"
			wantErr(t, f.a.CreateAPIKey(t.Context(), k), store.ErrAlreadyExists)
		}},
		{"a revoked key's name can be taken again and by-name finds the active key", func(t *testing.T, f *fixture) {
			old := newAPIKey(f.alice.ID, "laptop")
			must(t, f.a.CreateAPIKey(t.Context(), old))
			old.RevokedAt = at(40)
			must(t, f.a.UpdateAPIKey(t.Context(), old))
			k := newAPIKey(f.alice.ID, "laptop")
			k.ID, k.CreatedAt = "k_new", at(41)
			must(t, f.a.CreateAPIKey(t.Context(), k))
			got, err := f.a.APIKeyByName(t.Context(), "laptop")
			must(t, err)
			equal(t, "by name", got, k)
			all, err := f.a.ListAPIKeys(t.Context())
			must(t, err)
			equal(t, "list", all, []store.APIKey{old, k})
		}},
		{"update replaces name, hash, scope and revocation only", func(t *testing.T, f *fixture) {
			k := newAPIKey(f.alice.ID, "laptop")
			must(t, f.a.CreateAPIKey(t.Context(), k))
			u := store.APIKey{ID: k.ID, Name: "desktop", Hash: "$argon2id$new", Scope: []string{"dropbox"},
				RevokedAt: at(60), CreatedAt: at(999), LastUsedAt: at(999)}
			must(t, f.a.UpdateAPIKey(t.Context(), u))
			got, err := f.priv.APIKey(t.Context(), k.ID)
			must(t, err)
			want := k
			want.Name, want.Hash, want.Scope, want.RevokedAt = u.Name, u.Hash, u.Scope, u.RevokedAt
			equal(t, "key", got, want)
			if !got.Revoked() {
				t.Error("key is not revoked")
			}
		}},
		{"updating an unknown key is not found", func(t *testing.T, f *fixture) {
			wantErr(t, f.a.UpdateAPIKey(t.Context(), newAPIKey(f.alice.ID, "ghost")), store.ErrNotFound)
		}},
		{"replace revokes the old key and creates the new one", func(t *testing.T, f *fixture) {
			old := newAPIKey(f.alice.ID, "laptop")
			must(t, f.a.CreateAPIKey(t.Context(), old))
			k := newAPIKey(f.alice.ID, "laptop")
			k.ID, k.Hash, k.CreatedAt = "k_regenerated", "$argon2id$regenerated", at(70)
			must(t, f.a.ReplaceAPIKey(t.Context(), old.ID, k))
			gotOld, err := f.priv.APIKey(t.Context(), old.ID)
			must(t, err)
			if !gotOld.Revoked() {
				t.Error("the old key is still active")
			}
			got, err := f.a.APIKeyByName(t.Context(), "laptop")
			must(t, err)
			equal(t, "active key", got, k)
		}},
		{"replacing an unknown or revoked key is not found and creates nothing", func(t *testing.T, f *fixture) {
			old := newAPIKey(f.alice.ID, "laptop")
			old.RevokedAt = at(5)
			must(t, f.a.CreateAPIKey(t.Context(), old))
			for _, id := range []string{"k_nope", old.ID} {
				k := newAPIKey(f.alice.ID, "laptop")
				k.ID = "k_new"
				wantErr(t, f.a.ReplaceAPIKey(t.Context(), id, k), store.ErrNotFound)
			}
			_, err := f.priv.APIKey(t.Context(), "k_new")
			wantErr(t, err, store.ErrNotFound)
		}},
		{"a replace that fails leaves the old key active", func(t *testing.T, f *fixture) {
			old := newAPIKey(f.alice.ID, "laptop")
			must(t, f.a.CreateAPIKey(t.Context(), old))
			must(t, f.a.CreateAPIKey(t.Context(), newAPIKey(f.alice.ID, "desktop")))
			clash := newAPIKey(f.alice.ID, "laptop")
			clash.ID = newAPIKey(f.alice.ID, "desktop").ID
			wantErr(t, f.a.ReplaceAPIKey(t.Context(), old.ID, clash), store.ErrAlreadyExists)
			got, err := f.a.APIKeyByName(t.Context(), "laptop")
			must(t, err)
			equal(t, "old key", got, old)
		}},
		{"touch records the last use", func(t *testing.T, f *fixture) {
			k := newAPIKey(f.alice.ID, "laptop")
			must(t, f.a.CreateAPIKey(t.Context(), k))
			must(t, f.a.TouchAPIKey(t.Context(), k.ID, at(80)))
			got, err := f.priv.APIKey(t.Context(), k.ID)
			must(t, err)
			equal(t, "last used", got.LastUsedAt, at(80))
			wantErr(t, f.a.TouchAPIKey(t.Context(), "k_nope", at(81)), store.ErrNotFound)
		}},
	})
}
