package storetest

import (
	"testing"
	"time"

	"github.com/mcpgate/mcpgate/pkg/store"
)

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
		{"reading a state leaves it to be taken once", func(t *testing.T, f *fixture) {
			want := newOAuthState(f.alice.ID, "h1")
			must(t, f.a.PutOAuthState(t.Context(), want))
			got, err := f.priv.OAuthState(t.Context(), "h1")
			must(t, err)
			equal(t, "state read", got, want)
			got, err = f.priv.TakeOAuthState(t.Context(), "h1")
			must(t, err)
			equal(t, "state taken", got, want)
			_, err = f.priv.OAuthState(t.Context(), "h1")
			wantErr(t, err, store.ErrNotFound)
		}},
		{"an unknown state is not found", func(t *testing.T, f *fixture) {
			_, err := f.priv.TakeOAuthState(t.Context(), "nope")
			wantErr(t, err, store.ErrNotFound)
		}},
		{"a state hash in use already exists", func(t *testing.T, f *fixture) {
			must(t, f.a.PutOAuthState(t.Context(), newOAuthState(f.alice.ID, "h1")))
			wantErr(t, f.a.PutOAuthState(t.Context(), newOAuthState(f.alice.ID, "h1")), store.ErrAlreadyExists)
		}},
		{"zero and empty fields round-trip", func(t *testing.T, f *fixture) {
			s := store.OAuthState{StateHash: "h1", UserID: f.alice.ID, Provider: "github", Name: "gh", DEKVersion: 1}
			must(t, f.a.PutOAuthState(t.Context(), s))
			got, err := f.priv.TakeOAuthState(t.Context(), "h1")
			must(t, err)
			equal(t, "state", got, s)
		}},
		{"deleting expired states removes every user's states that expired before now", func(t *testing.T, f *fixture) {
			ctx := t.Context()
			expiring := func(us store.UserStore, hash string, sec int) {
				s := newOAuthState("", hash)
				s.ExpiresAt = at(sec)
				must(t, us.PutOAuthState(ctx, s))
			}
			expiring(f.a, "alice-expired", 600)
			expiring(f.b, "bob-expired", 300)
			expiring(f.a, "alice-expires-now", 601)
			expiring(f.b, "bob-pending", 1200)
			no := newOAuthState("", "no-expiry")
			no.ExpiresAt = time.Time{}
			must(t, f.a.PutOAuthState(ctx, no))

			n, err := f.priv.DeleteExpiredOAuthStates(ctx, at(601))
			must(t, err)
			equal(t, "deleted", n, int64(2))
			for _, h := range []string{"alice-expired", "bob-expired"} {
				_, err := f.priv.TakeOAuthState(ctx, h)
				wantErr(t, err, store.ErrNotFound)
			}
			for _, h := range []string{"alice-expires-now", "bob-pending", "no-expiry"} {
				_, err := f.priv.TakeOAuthState(ctx, h)
				must(t, err)
			}
			n, err = f.priv.DeleteExpiredOAuthStates(ctx, at(601))
			must(t, err)
			equal(t, "deleted again", n, int64(0))
		}},
	})
}
