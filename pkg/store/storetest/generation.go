package storetest

import (
	"testing"

	"github.com/mcpgate/mcpgate/pkg/store"
)

// generation checks the promise a caching gateway relies on: every change
// to a user, connection, key, policy or DEK version moves Generation forward, and the
// hot path's own writes (a key's last use, audit records, rate hits) do not.
func (h harness) generation(t *testing.T) {
	conn := func(f *fixture) store.Connection {
		return store.Connection{ID: "c1", UserID: f.alice.ID, Name: "github", Provider: "github", Credential: []byte("sealed"), DEKVersion: 1}
	}
	key := func(f *fixture) store.APIKey {
		return store.APIKey{ID: "k1", UserID: f.alice.ID, Name: "desktop", Hash: "$argon2id$old", CreatedAt: at(1)}
	}
	moves := []struct {
		name   string
		before func(t *testing.T, f *fixture)
		change func(t *testing.T, f *fixture)
	}{
		{"creating a user", nil, func(t *testing.T, f *fixture) { f.addUser(t, "carol", false) }},
		{"deleting a user", nil, func(t *testing.T, f *fixture) { must(t, f.priv.DeleteUser(t.Context(), f.bob.ID)) }},
		{"creating a connection", nil, func(t *testing.T, f *fixture) { must(t, f.a.CreateConnection(t.Context(), conn(f))) }},
		{"updating a connection", func(t *testing.T, f *fixture) { must(t, f.a.CreateConnection(t.Context(), conn(f))) },
			func(t *testing.T, f *fixture) {
				c := conn(f)
				c.Status = "needs_reauth"
				must(t, f.a.UpdateConnection(t.Context(), c))
			}},
		{"deleting a connection", func(t *testing.T, f *fixture) { must(t, f.a.CreateConnection(t.Context(), conn(f))) },
			func(t *testing.T, f *fixture) { must(t, f.a.DeleteConnection(t.Context(), "github")) }},
		{"creating a key", nil, func(t *testing.T, f *fixture) { must(t, f.a.CreateAPIKey(t.Context(), key(f))) }},
		{"revoking a key", func(t *testing.T, f *fixture) { must(t, f.a.CreateAPIKey(t.Context(), key(f))) },
			func(t *testing.T, f *fixture) {
				k := key(f)
				k.RevokedAt = at(2)
				must(t, f.a.UpdateAPIKey(t.Context(), k))
			}},
		{"regenerating a key", func(t *testing.T, f *fixture) { must(t, f.a.CreateAPIKey(t.Context(), key(f))) },
			func(t *testing.T, f *fixture) {
				k := key(f)
				k.ID, k.Hash = "k2", "$argon2id$new"
				must(t, f.a.ReplaceAPIKey(t.Context(), "k1", k))
			}},
		{"adding a DEK version", nil, func(t *testing.T, f *fixture) {
			must(t, f.a.AddDEK(t.Context(), newDEKVersion(f.alice.ID, 2)))
		}},
		{"deleting a DEK version", func(t *testing.T, f *fixture) {
			must(t, f.a.AddDEK(t.Context(), newDEKVersion(f.alice.ID, 2)))
		}, func(t *testing.T, f *fixture) { must(t, f.a.DeleteDEK(t.Context(), 1)) }},
		{"setting a policy", nil, func(t *testing.T, f *fixture) {
			must(t, f.a.PutPolicy(t.Context(), store.Policy{KeyID: "k1", Body: "read_only: true"}))
		}},
		{"deleting a policy", func(t *testing.T, f *fixture) {
			must(t, f.a.PutPolicy(t.Context(), store.Policy{KeyID: "", Body: "read_only: true"}))
		}, func(t *testing.T, f *fixture) { must(t, f.a.DeletePolicy(t.Context(), "")) }},
	}
	for _, m := range moves {
		t.Run(m.name+" moves the generation forward", func(t *testing.T) {
			t.Parallel()
			f := h.fixture(t)
			if m.before != nil {
				m.before(t, f)
			}
			before := generationOf(t, f.st)
			m.change(t, f)
			if after := generationOf(t, f.st); after <= before {
				t.Errorf("generation after %s: got %d, want more than %d", m.name, after, before)
			}
		})
	}

	t.Run("the hot path's own writes leave it alone", func(t *testing.T) {
		t.Parallel()
		f := h.fixture(t)
		must(t, f.a.CreateAPIKey(t.Context(), key(f)))
		before := generationOf(t, f.st)
		must(t, f.a.TouchAPIKey(t.Context(), "k1", at(3)))
		_, err := f.a.AppendAudit(t.Context(), []store.AuditRecord{newAudit("github_get_repo", 4)}, chainHash)
		must(t, err)
		_, _, err = f.a.HitRate(t.Context(), newHit(5))
		must(t, err)
		if after := generationOf(t, f.st); after != before {
			t.Errorf("generation after last use, audit and rate hit: got %d, want %d", after, before)
		}
	})
}

func generationOf(t *testing.T, st store.Store) int64 {
	t.Helper()
	n, err := st.Generation(t.Context())
	must(t, err)
	return n
}
