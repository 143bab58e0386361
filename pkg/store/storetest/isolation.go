package storetest

import (
	"testing"

	"github.com/mcpgate/mcpgate/pkg/store"
)

// attack is what alice's handle tries against bob's rows; afterwards bob's
// rows must read back exactly as before.
type attack struct {
	table, name string
	run         func(t *testing.T, f *fixture, alice, bob rows)
}

// isolation proves, table by table, that a handle scoped to alice can
// neither read nor change bob's rows. (users has no user-scoped method;
// on PostgreSQL its policy is proven by the driver's raw-SQL test.)
func (h harness) isolation(t *testing.T) {
	for _, tc := range append(attacks, moreAttacks...) {
		t.Run(tc.table+"/"+tc.name, func(t *testing.T) {
			t.Parallel()
			f := h.fixture(t)
			alice := populate(t, f.a, f.alice.ID)
			bob := populate(t, f.b, f.bob.ID)
			// A version of bob's that alice does not have.
			bob.deks = append(bob.deks, newDEKVersion(f.bob.ID, 3))
			must(t, f.b.AddDEK(t.Context(), bob.deks[2]))
			before := snap(t, f.b, bob)
			equal(t, "bob's rows as populated", before, snapshot{
				DEK: bob.deks[2], DEKs: bob.deks, Conns: bob.conns, Keys: bob.keys, Policies: bob.policies,
				Audit: reversed(bob.audit), Anchor: bob.anchor,
			})

			tc.run(t, f, alice, bob)

			equal(t, "bob's rows afterwards", snap(t, f.b, bob), before)
			next := bob.rate
			next.Limit = rateCount + 1
			hit(t, f.b, next, rateCount+1, true) // his counter, neither reset nor counted on
			got, err := f.priv.TakeOAuthState(t.Context(), bob.state.StateHash)
			must(t, err)
			equal(t, "bob's OAuth state afterwards", got, bob.state)
		})
	}
}

var attacks = []attack{
	{"deks", "read", func(t *testing.T, f *fixture, alice, _ rows) {
		got, err := f.a.DEK(t.Context())
		must(t, err)
		equal(t, "alice's DEK", got, alice.deks[1])
	}},

	{"connections", "read", func(t *testing.T, f *fixture, alice, bob rows) {
		_, err := f.a.Connection(t.Context(), bob.conns[1].Name)
		wantErr(t, err, store.ErrNotFound)
		got, err := f.a.Connection(t.Context(), "github")
		must(t, err)
		equal(t, "alice's github", got, alice.conns[0])
		all, err := f.a.ListConnections(t.Context())
		must(t, err)
		equal(t, "alice's list", all, alice.conns)
	}},
	{"connections", "update", func(t *testing.T, f *fixture, _, bob rows) {
		for _, c := range bob.conns {
			c.Status, c.Credential = "hijacked", []byte("attacker's")
			wantErr(t, f.a.UpdateConnection(t.Context(), c), store.ErrNotFound)
			c.UserID = ""
			wantErr(t, f.a.UpdateConnection(t.Context(), c), store.ErrNotFound)
		}
	}},
	{"connections", "delete", func(t *testing.T, f *fixture, _, bob rows) {
		wantErr(t, f.a.DeleteConnection(t.Context(), bob.conns[1].Name), store.ErrNotFound)
		must(t, f.a.DeleteConnection(t.Context(), "github")) // alice's own, not bob's
	}},
	{"connections", "create as another user", func(t *testing.T, f *fixture, _, _ rows) {
		if err := f.a.CreateConnection(t.Context(), newConnection(f.bob.ID, "planted")); err == nil {
			t.Error("alice created a connection for bob")
		}
	}},

	{"api_keys", "read", func(t *testing.T, f *fixture, alice, bob rows) {
		_, err := f.a.APIKeyByName(t.Context(), bob.keys[1].Name)
		wantErr(t, err, store.ErrNotFound)
		all, err := f.a.ListAPIKeys(t.Context())
		must(t, err)
		equal(t, "alice's keys", all, alice.keys)
	}},
	{"api_keys", "update", func(t *testing.T, f *fixture, _, bob rows) {
		for _, k := range bob.keys {
			k.RevokedAt, k.Hash = at(99), "$argon2id$attacker"
			wantErr(t, f.a.UpdateAPIKey(t.Context(), k), store.ErrNotFound)
			k.UserID = ""
			wantErr(t, f.a.UpdateAPIKey(t.Context(), k), store.ErrNotFound)
		}
	}},
	{"api_keys", "replace", func(t *testing.T, f *fixture, _, bob rows) {
		k := newAPIKey("", "stolen")
		wantErr(t, f.a.ReplaceAPIKey(t.Context(), bob.keys[0].ID, k), store.ErrNotFound)
		_, err := f.priv.APIKey(t.Context(), k.ID)
		wantErr(t, err, store.ErrNotFound)
	}},
	{"api_keys", "touch", func(t *testing.T, f *fixture, _, bob rows) {
		wantErr(t, f.a.TouchAPIKey(t.Context(), bob.keys[0].ID, at(99)), store.ErrNotFound)
	}},
	{"api_keys", "create as another user", func(t *testing.T, f *fixture, _, _ rows) {
		if err := f.a.CreateAPIKey(t.Context(), newAPIKey(f.bob.ID, "planted")); err == nil {
			t.Error("alice created a key for bob")
		}
	}},

	{"policies", "read", func(t *testing.T, f *fixture, _, bob rows) {
		_, err := f.a.Policy(t.Context(), bob.keys[0].ID)
		wantErr(t, err, store.ErrNotFound)
	}},
	{"policies", "put as another user", func(t *testing.T, f *fixture, _, _ rows) {
		p := store.Policy{UserID: f.bob.ID, KeyID: "", Body: "allow everything"}
		if err := f.a.PutPolicy(t.Context(), p); err == nil {
			t.Error("alice replaced bob's default policy")
		}
	}},
	{"policies", "put under another user's key id", func(t *testing.T, f *fixture, _, bob rows) {
		p := store.Policy{KeyID: bob.keys[0].ID, Body: "alice's own", UpdatedAt: at(90)}
		must(t, f.a.PutPolicy(t.Context(), p))
		got, err := f.a.Policy(t.Context(), bob.keys[0].ID)
		must(t, err)
		equal(t, "owner of the new policy", got.UserID, f.alice.ID)
	}},

	{"audit_records", "read", func(t *testing.T, f *fixture, alice, bob rows) {
		got, err := f.a.ListAudit(t.Context(), store.AuditFilter{})
		must(t, err)
		equal(t, "alice's records", got, reversed(alice.audit))
		got, err = f.a.ListAudit(t.Context(), store.AuditFilter{KeyID: bob.keys[0].ID, AfterSeq: 1})
		must(t, err)
		equal(t, "records under bob's key", len(got), 0)
	}},
	{"audit_records", "append as another user", func(t *testing.T, f *fixture, _, _ rows) {
		r := newAudit("planted", 50)
		r.UserID = f.bob.ID
		if _, err := f.a.AppendAudit(t.Context(), []store.AuditRecord{r}, chainHash); err == nil {
			t.Error("alice appended to bob's audit log")
		}
	}},
	{"audit_records", "append chains to its own head", func(t *testing.T, f *fixture, alice, _ rows) {
		got, err := f.a.AppendAudit(t.Context(), []store.AuditRecord{newAudit("next", 50)}, chainHash)
		must(t, err)
		equal(t, "prev hash", got[0].PrevHash, alice.audit[len(alice.audit)-1].Hash)
	}},

	{"oauth_states", "put as another user", func(t *testing.T, f *fixture, _, _ rows) {
		if err := f.a.PutOAuthState(t.Context(), newOAuthState(f.bob.ID, "planted")); err == nil {
			t.Error("alice stored an OAuth state for bob")
		}
		_, err := f.priv.TakeOAuthState(t.Context(), "planted")
		wantErr(t, err, store.ErrNotFound)
	}},
	{"oauth_states", "put over another user's state", func(t *testing.T, f *fixture, _, bob rows) {
		err := f.a.PutOAuthState(t.Context(), newOAuthState(f.alice.ID, bob.state.StateHash))
		wantErr(t, err, store.ErrAlreadyExists)
	}},
}

func reversed[T any](s []T) []T {
	out := make([]T, len(s))
	for i, v := range s {
		out[len(s)-1-i] = v
	}
	return out
}
