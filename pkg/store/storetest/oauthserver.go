package storetest

import (
	"strings"
	"sync"
	"testing"

	"github.com/mcpgate/mcpgate/pkg/store"
)

func newRequest(id string) store.OAuthRequest {
	return store.OAuthRequest{
		ID: "req_" + id, ApprovalHash: "appr_" + id, ClientID: "client-1", RedirectURI: "https://app.example/cb",
		CodeChallenge: "challenge", Resource: "/mcp", State: "st", ExpiresAt: at(600), CreatedAt: at(0),
	}
}

func newGrant(t *testing.T, f *fixture, us store.UserStore, u store.User, name string) (store.APIKey, store.OAuthToken, store.OAuthToken) {
	t.Helper()
	k := newAPIKey(u.ID, name)
	g := store.OAuthGrant{KeyID: k.ID, UserID: u.ID, ClientID: "client-1", ClientName: "Client", Resource: "/mcp", CreatedAt: at(10)}
	acc := store.OAuthToken{Hash: "acc_" + k.ID, UserID: u.ID, KeyID: k.ID, Kind: "access", Resource: "/mcp", ExpiresAt: at(3600), CreatedAt: at(10)}
	ref := store.OAuthToken{Hash: "ref_" + k.ID, UserID: u.ID, KeyID: k.ID, Kind: "refresh", Resource: "/mcp", ExpiresAt: at(7200), CreatedAt: at(10)}
	must(t, us.CreateOAuthGrant(t.Context(), k, g, []store.OAuthToken{acc, ref}))
	return k, acc, ref
}

func (h harness) oauthServer(t *testing.T) {
	h.runCases(t, []testCase{
		{"a client is stored, listed, touched, and deleted", func(t *testing.T, f *fixture) {
			as := f.st.AuthServer()
			c := store.OAuthClient{ID: "client-1", Name: "Client", Kind: "dynamic", RedirectURIs: []string{"https://app.example/cb"}, CreatedAt: at(1)}
			must(t, as.PutOAuthClient(t.Context(), c))
			wantErr(t, as.PutOAuthClient(t.Context(), c), store.ErrAlreadyExists)
			got, err := as.OAuthClient(t.Context(), c.ID)
			must(t, err)
			equal(t, "client", got, c)
			n, err := as.CountOAuthClients(t.Context(), "dynamic")
			must(t, err)
			equal(t, "count", n, 1)
			must(t, as.TouchOAuthClient(t.Context(), c.ID, at(5)))
			gone, err := as.DeleteUnusedOAuthClients(t.Context(), "dynamic", at(100))
			must(t, err)
			equal(t, "a used client is kept", gone, int64(0))
			must(t, as.DeleteOAuthClient(t.Context(), c.ID))
			_, err = as.OAuthClient(t.Context(), c.ID)
			wantErr(t, err, store.ErrNotFound)
		}},
		{"unused dynamic clients expire", func(t *testing.T, f *fixture) {
			as := f.st.AuthServer()
			must(t, as.PutOAuthClient(t.Context(), store.OAuthClient{ID: "old", Name: "x", Kind: "dynamic", CreatedAt: at(1)}))
			must(t, as.PutOAuthClient(t.Context(), store.OAuthClient{ID: "new", Name: "x", Kind: "dynamic", CreatedAt: at(200)}))
			must(t, as.PutOAuthClient(t.Context(), store.OAuthClient{ID: "cli", Name: "x", Kind: "registered", CreatedAt: at(1)}))
			gone, err := as.DeleteUnusedOAuthClients(t.Context(), "dynamic", at(100))
			must(t, err)
			equal(t, "deleted", gone, int64(1))
			cs, err := as.ListOAuthClients(t.Context())
			must(t, err)
			equal(t, "kept", len(cs), 2)
		}},
		{"an approval code approves once, and not once expired", func(t *testing.T, f *fixture) {
			as := f.st.AuthServer()
			r := newRequest("1")
			must(t, as.PutOAuthRequest(t.Context(), r))
			_, err := as.ApproveOAuthRequest(t.Context(), r.ApprovalHash, f.alice.ID, at(700))
			wantErr(t, err, store.ErrNotFound)
			got, err := as.ApproveOAuthRequest(t.Context(), r.ApprovalHash, f.alice.ID, at(5))
			must(t, err)
			equal(t, "approved for", got.UserID, f.alice.ID)
			_, err = as.ApproveOAuthRequest(t.Context(), r.ApprovalHash, f.bob.ID, at(6))
			wantErr(t, err, store.ErrNotFound)
		}},
		{"a code is issued once for an approved request and redeemed once", func(t *testing.T, f *fixture) {
			as := f.st.AuthServer()
			r := newRequest("2")
			must(t, as.PutOAuthRequest(t.Context(), r))
			wantErr(t, as.IssueOAuthCode(t.Context(), r.ID, "code-h", at(60), "", nil), store.ErrNotFound) // not approved
			_, err := as.ApproveOAuthRequest(t.Context(), r.ApprovalHash, f.alice.ID, at(5))
			must(t, err)
			must(t, as.IssueOAuthCode(t.Context(), r.ID, "code-h", at(60), "version: 1\n", []string{"github", "tracker"}))
			wantErr(t, as.IssueOAuthCode(t.Context(), r.ID, "code-2", at(60), "", nil), store.ErrNotFound)
			got, err := as.RedeemOAuthCode(t.Context(), "code-h", "k_1")
			must(t, err)
			equal(t, "first redemption", got.GrantKeyID, "")
			equal(t, "consented policy", got.Policy, "version: 1\n")
			equal(t, "consented scope", strings.Join(got.Scope, ","), "github,tracker")
			got, err = as.RedeemOAuthCode(t.Context(), "code-h", "k_2")
			must(t, err)
			equal(t, "second redemption names the first grant", got.GrantKeyID, "k_1")
			_, err = as.RedeemOAuthCode(t.Context(), "other", "k_3")
			wantErr(t, err, store.ErrNotFound)
		}},
		{"racing redemptions of one code: one wins", func(t *testing.T, f *fixture) {
			as := f.st.AuthServer()
			r := newRequest("3")
			must(t, as.PutOAuthRequest(t.Context(), r))
			_, err := as.ApproveOAuthRequest(t.Context(), r.ApprovalHash, f.alice.ID, at(5))
			must(t, err)
			must(t, as.IssueOAuthCode(t.Context(), r.ID, "code-r", at(60), "", nil))
			var wg sync.WaitGroup
			var mu sync.Mutex
			wins := 0
			for i := range 4 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					got, err := as.RedeemOAuthCode(t.Context(), "code-r", "k_"+string(rune('a'+i)))
					if err == nil && got.GrantKeyID == "" {
						mu.Lock()
						wins++
						mu.Unlock()
					}
				}()
			}
			wg.Wait()
			equal(t, "winners", wins, 1)
		}},
		{"a grant is an app key with tokens found by hash", func(t *testing.T, f *fixture) {
			k, acc, ref := newGrant(t, f, f.a, f.alice, "claude")
			as := f.st.AuthServer()
			got, err := as.OAuthToken(t.Context(), acc.Hash)
			must(t, err)
			equal(t, "access token", got, acc)
			key, err := f.priv.APIKey(t.Context(), k.ID)
			must(t, err)
			equal(t, "the grant's key", key.ID, k.ID)
			gs, err := f.a.OAuthGrants(t.Context())
			must(t, err)
			equal(t, "grants", len(gs), 1)
			used, err := as.UseOAuthRefresh(t.Context(), ref.Hash, at(20))
			must(t, err)
			equal(t, "first use", used.UsedAt.IsZero(), true)
			used, err = as.UseOAuthRefresh(t.Context(), ref.Hash, at(21))
			must(t, err)
			equal(t, "second use is a replay", used.UsedAt, at(20))
			_, err = as.UseOAuthRefresh(t.Context(), acc.Hash, at(22))
			wantErr(t, err, store.ErrNotFound)
		}},
		{"one user's grants and tokens are not another's", func(t *testing.T, f *fixture) {
			newGrant(t, f, f.a, f.alice, "claude")
			gs, err := f.b.OAuthGrants(t.Context())
			must(t, err)
			equal(t, "bob's grants", len(gs), 0)
			k := newAPIKey(f.alice.ID, "x")
			g := store.OAuthGrant{KeyID: k.ID, UserID: f.alice.ID, ClientID: "c", ClientName: "c", Resource: "/mcp"}
			if err := f.b.CreateOAuthGrant(t.Context(), k, g, nil); err == nil {
				t.Error("bob stored a grant naming alice")
			}
			tok := store.OAuthToken{Hash: "h", UserID: f.alice.ID, KeyID: "k_" + f.alice.ID + "_claude", Kind: "access"}
			if err := f.b.AddOAuthTokens(t.Context(), []store.OAuthToken{tok}); err == nil {
				t.Error("bob stored a token naming alice")
			}
		}},
	})
}
