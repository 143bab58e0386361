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
		{"the policy layers are the default and the key's own, the default first", func(t *testing.T, f *fixture) {
			got, err := f.a.PolicyLayers(t.Context(), "k1")
			must(t, err)
			equal(t, "layers with no policy set", len(got), 0)
			own := store.Policy{UserID: f.alice.ID, KeyID: "k1", Body: "own", UpdatedAt: at(6)}
			must(t, f.a.PutPolicy(t.Context(), own))
			got, err = f.a.PolicyLayers(t.Context(), "k1")
			must(t, err)
			equal(t, "layers with only the key's own", got, []store.Policy{own})
			def := store.Policy{UserID: f.alice.ID, KeyID: "", Body: "default", UpdatedAt: at(5)}
			must(t, f.a.PutPolicy(t.Context(), def))
			must(t, f.a.PutPolicy(t.Context(), store.Policy{KeyID: "k2", Body: "other key", UpdatedAt: at(7)}))
			got, err = f.a.PolicyLayers(t.Context(), "k1")
			must(t, err)
			equal(t, "layers", got, []store.Policy{def, own})
			got, err = f.a.PolicyLayers(t.Context(), "k3")
			must(t, err)
			equal(t, "layers of a key without its own", got, []store.Policy{def})
			got, err = f.b.PolicyLayers(t.Context(), "k1")
			must(t, err)
			equal(t, "another user's layers", len(got), 0)
		}},
		{"an unset policy is not found", func(t *testing.T, f *fixture) {
			_, err := f.a.Policy(t.Context(), "")
			wantErr(t, err, store.ErrNotFound)
		}},
		{"delete removes the policy once", func(t *testing.T, f *fixture) {
			must(t, f.a.PutPolicy(t.Context(), store.Policy{KeyID: "k1", Body: "v1"}))
			must(t, f.a.DeletePolicy(t.Context(), "k1"))
			_, err := f.a.Policy(t.Context(), "k1")
			wantErr(t, err, store.ErrNotFound)
			wantErr(t, f.a.DeletePolicy(t.Context(), "k1"), store.ErrNotFound)
		}},
		{"deleting a key's policy keeps the default", func(t *testing.T, f *fixture) {
			def := store.Policy{UserID: f.alice.ID, KeyID: "", Body: "default", UpdatedAt: at(5)}
			must(t, f.a.PutPolicy(t.Context(), def))
			must(t, f.a.PutPolicy(t.Context(), store.Policy{KeyID: "k1", Body: "v1"}))
			must(t, f.a.DeletePolicy(t.Context(), "k1"))
			got, err := f.a.Policy(t.Context(), "")
			must(t, err)
			equal(t, "default policy", got, def)
		}},
	})
}
