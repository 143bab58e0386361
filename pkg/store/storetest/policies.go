package storetest

import (
	"testing"

	"github.com/mcpgate/mcpgate/pkg/store"
)

func (h harness) policies(t *testing.T) {
	h.runCases(t, []testCase{
		{"a policy reads back as put", func(t *testing.T, f *fixture) {
			p := store.Policy{UserID: f.alice.ID, KeyID: "k1", Body: "deny: ['*_delete']", UpdatedAt: at(5)}
			must(t, f.a.PutPolicy(t.Context(), p))
			got, err := f.a.Policy(t.Context(), "k1")
			must(t, err)
			equal(t, "policy", got, p)
		}},
		{"put replaces the policy", func(t *testing.T, f *fixture) {
			must(t, f.a.PutPolicy(t.Context(), store.Policy{KeyID: "k1", Body: "v1", UpdatedAt: at(5)}))
			p := store.Policy{UserID: f.alice.ID, KeyID: "k1", Body: "v2", UpdatedAt: at(6)}
			must(t, f.a.PutPolicy(t.Context(), p))
			got, err := f.a.Policy(t.Context(), "k1")
			must(t, err)
			equal(t, "policy", got, p)
		}},
		{"the default policy is separate from a key's", func(t *testing.T, f *fixture) {
			def := store.Policy{UserID: f.alice.ID, KeyID: "", Body: "default", UpdatedAt: at(5)}
			must(t, f.a.PutPolicy(t.Context(), def))
			_, err := f.a.Policy(t.Context(), "k1")
			wantErr(t, err, store.ErrNotFound)
			got, err := f.a.Policy(t.Context(), "")
			must(t, err)
			equal(t, "default policy", got, def)
		}},
		{"an unset policy is not found", func(t *testing.T, f *fixture) {
			_, err := f.a.Policy(t.Context(), "")
			wantErr(t, err, store.ErrNotFound)
		}},
	})
}

func (h harness) oauthStates(t *testing.T) {
	h.runCases(t, []testCase{
		{"a state can be taken once", func(t *testing.T, f *fixture) {
			s := newOAuthState(f.alice.ID, "h1")
			must(t, f.a.PutOAuthState(t.Context(), s))
			got, err := f.priv.TakeOAuthState(t.Context(), "h1")
			must(t, err)
			equal(t, "state", got, s)
			_, err = f.priv.TakeOAuthState(t.Context(), "h1")
			wantErr(t, err, store.ErrNotFound)
		}},
		{"taking names the user the state belongs to", func(t *testing.T, f *fixture) {
			must(t, f.b.PutOAuthState(t.Context(), newOAuthState("", "h1")))
			got, err := f.priv.TakeOAuthState(t.Context(), "h1")
			must(t, err)
			equal(t, "owner", got.UserID, f.bob.ID)
		}},
		{"an unknown state is not found", func(t *testing.T, f *fixture) {
			_, err := f.priv.TakeOAuthState(t.Context(), "nope")
			wantErr(t, err, store.ErrNotFound)
		}},
		{"a state hash in use already exists", func(t *testing.T, f *fixture) {
			must(t, f.a.PutOAuthState(t.Context(), newOAuthState(f.alice.ID, "h1")))
			wantErr(t, f.a.PutOAuthState(t.Context(), newOAuthState(f.alice.ID, "h1")), store.ErrAlreadyExists)
		}},
	})
}
