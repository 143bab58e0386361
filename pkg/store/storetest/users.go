package storetest

import (
	"testing"

	"github.com/mcpgate/mcpgate/pkg/store"
)

func (h harness) users(t *testing.T) {
	h.runCases(t, []testCase{
		{"a created user is found by name", func(t *testing.T, f *fixture) {
			got, err := f.priv.UserByName(t.Context(), "alice")
			must(t, err)
			equal(t, "user", got, f.alice)
		}},
		{"an unknown name is not found", func(t *testing.T, f *fixture) {
			_, err := f.priv.UserByName(t.Context(), "carol")
			wantErr(t, err, store.ErrNotFound)
		}},
		{"list returns every user", func(t *testing.T, f *fixture) {
			got, err := f.priv.ListUsers(t.Context())
			must(t, err)
			equal(t, "users", got, []store.User{f.alice, f.bob})
		}},
		{"a taken name already exists and nothing is stored", func(t *testing.T, f *fixture) {
			err := f.priv.CreateUser(t.Context(), store.User{ID: "u_other", Name: "alice"}, newDEK("u_other"))
			wantErr(t, err, store.ErrAlreadyExists)
			users, err := f.priv.ListUsers(t.Context())
			must(t, err)
			equal(t, "user count", len(users), 2)
			_, err = f.st.User("u_other").DEK(t.Context())
			wantErr(t, err, store.ErrNotFound)
		}},
		{"a taken id already exists", func(t *testing.T, f *fixture) {
			err := f.priv.CreateUser(t.Context(), store.User{ID: f.alice.ID, Name: "carol"}, newDEK(f.alice.ID))
			wantErr(t, err, store.ErrAlreadyExists)
		}},
		{"create stores the first DEK", func(t *testing.T, f *fixture) {
			got, err := f.a.DEK(t.Context())
			must(t, err)
			equal(t, "DEK", got, newDEK(f.alice.ID))
		}},
		{"delete removes the user and cascades to every row it owns", func(t *testing.T, f *fixture) {
			ctx := t.Context()
			alice := populate(t, f.a, f.alice.ID)
			bob := populate(t, f.b, f.bob.ID)
			before := snap(t, f.b, bob)
			must(t, f.priv.DeleteUser(ctx, f.alice.ID))

			_, err := f.priv.UserByName(ctx, "alice")
			wantErr(t, err, store.ErrNotFound)
			_, err = f.a.DEK(ctx)
			wantErr(t, err, store.ErrNotFound)
			after := snap(t, f.a, alice)
			equal(t, "alice's rows after delete", after, snapshot{})
			_, err = f.priv.APIKey(ctx, alice.keys[0].ID)
			wantErr(t, err, store.ErrNotFound)
			_, err = f.priv.TakeOAuthState(ctx, alice.state.StateHash)
			wantErr(t, err, store.ErrNotFound)
			deks, err := f.priv.ListDEKs(ctx)
			must(t, err)
			equal(t, "DEKs left", deks, bob.deks)
			equal(t, "bob's rows", snap(t, f.b, bob), before)
		}},
		{"deleting an unknown user is not found", func(t *testing.T, f *fixture) {
			wantErr(t, f.priv.DeleteUser(t.Context(), "u_nobody"), store.ErrNotFound)
		}},
		{"a handle for an unknown user sees nothing and cannot write", func(t *testing.T, f *fixture) {
			ctx := t.Context()
			populate(t, f.a, f.alice.ID)
			nobody := f.st.User("u_nobody")
			_, err := nobody.DEK(ctx)
			wantErr(t, err, store.ErrNotFound)
			equal(t, "nobody's rows", snap(t, nobody, rows{}), snapshot{})
			if err := nobody.CreateConnection(ctx, newConnection("", "github")); err == nil {
				t.Error("created a connection for a user that does not exist")
			}
		}},
		{"a handle with no user id sees no one's rows", func(t *testing.T, f *fixture) {
			populate(t, f.a, f.alice.ID)
			if cs, err := f.st.User("").ListConnections(t.Context()); err == nil && len(cs) > 0 {
				t.Errorf("listed %d connections with an empty user id", len(cs))
			}
		}},
	})
}
