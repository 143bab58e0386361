package storetest

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/mcpgate/mcpgate/pkg/store"
)

// Run runs the suite. open must return a Store on a fresh, empty database
// (not yet migrated) that no other call shares, and close and remove it in
// t.Cleanup. open is called from parallel subtests.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	h := harness{open: open}
	t.Run("Schema", h.schema)
	t.Run("Users", h.users)
	t.Run("DEKs", h.deks)
	t.Run("Connections", h.connections)
	t.Run("APIKeys", h.apiKeys)
	t.Run("Policies", h.policies)
	t.Run("Audit", h.audit)
	t.Run("AuditGroups", h.auditGroups)
	t.Run("AuditWalk", h.auditWalk)
	t.Run("AuditPruning", h.auditPruning)
	t.Run("AuditKeys", h.auditKeys)
	t.Run("AuditForward", h.auditForward)
	t.Run("RateLimits", h.rateLimits)
	t.Run("OAuthStates", h.oauthStates)
	t.Run("OAuthServer", h.oauthServer)
	t.Run("Approvals", h.approvals)
	t.Run("Passkeys", h.passkeys)
	t.Run("KEKs", h.keks)
	t.Run("Generation", h.generation)
	t.Run("Isolation", h.isolation)
}

type harness struct {
	open func(t *testing.T) store.Store
}

// fixture is a migrated store with two users, alice and bob, each with a
// DEK, and a handle scoped to each.
type fixture struct {
	st         store.Store
	priv       store.Privileged
	alice, bob store.User
	a, b       store.UserStore
}

// testCase is one behaviour, run on a fixture of its own.
type testCase struct {
	name string
	run  func(t *testing.T, f *fixture)
}

func (h harness) runCases(t *testing.T, cases []testCase) {
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.run(t, h.fixture(t))
		})
	}
}

// migrated opens a fresh store and migrates it.
func (h harness) migrated(t *testing.T) store.Store {
	t.Helper()
	st := h.open(t)
	must(t, st.Migrate(t.Context()))
	return st
}

func (h harness) fixture(t *testing.T) *fixture {
	t.Helper()
	st := h.migrated(t)
	f := &fixture{st: st, priv: st.Privileged()}
	f.alice = f.addUser(t, "alice", true)
	f.bob = f.addUser(t, "bob", false)
	f.a, f.b = st.User(f.alice.ID), st.User(f.bob.ID)
	return f
}

func (f *fixture) addUser(t *testing.T, name string, admin bool) store.User {
	t.Helper()
	u := store.User{ID: "u_" + name, Name: name, Admin: admin, CreatedAt: at(0)}
	must(t, f.priv.CreateUser(t.Context(), u, newDEK(u.ID)))
	return u
}

// base is a fixed instant with microsecond precision, the precision the
// store keeps; at(n) is n seconds after it.
var base = time.Date(2025, 3, 14, 15, 9, 26, 535897000, time.UTC)

func at(sec int) time.Time { return base.Add(time.Duration(sec) * time.Second) }

func newDEK(userID string) store.DEK {
	return store.DEK{UserID: userID, Version: 1, KEKID: "local:1", Wrapped: []byte("wrapped-" + userID), CreatedAt: at(0)}
}

// newDEKVersion is the user's DEK version v, distinct from every other.
func newDEKVersion(userID string, v int) store.DEK {
	d := newDEK(userID)
	d.Version, d.Wrapped, d.CreatedAt = v, fmt.Appendf(nil, "wrapped-%s-v%d", userID, v), at(100*v)
	return d
}

func newConnection(userID, name string) store.Connection {
	return store.Connection{
		ID: "c_" + userID + "_" + name, UserID: userID, Name: name, Provider: "github", AuthKind: "oauth2",
		Account: "octocat", Scopes: "repo read:org", Status: "ok", APIURL: "https://ghe.example/api/v3",
		Credential: []byte("sealed-" + name), DEKVersion: 1, ExpiresAt: at(3600), CreatedAt: at(1), UpdatedAt: at(2),
		MCP: `{"url":"https://mcp.example/mcp"}`,
	}
}

func newAPIKey(userID, name string) store.APIKey {
	return store.APIKey{
		ID: "k_" + userID + "_" + name, UserID: userID, Name: name, Hash: "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA",
		Scope: []string{"github", "slack"}, CreatedAt: at(10),
	}
}

func newAudit(tool string, sec int) store.AuditRecord {
	return store.AuditRecord{
		Time: at(sec), KeyID: "k1", Tool: tool, Arguments: `{"q":"x"}`, Decision: "allow", Rule: "default",
		Outcome: "ok", LatencyUS: 1234,
	}
}

func newOAuthState(userID, hash string) store.OAuthState {
	return store.OAuthState{
		StateHash: hash, UserID: userID, Provider: "github", Name: "github", Verifier: []byte("sealed-verifier"),
		DEKVersion: 1, Scopes: "repo read:org", RedirectURL: "http://127.0.0.1:53682/oauth/callback", Local: true,
		ExpiresAt: at(600), CreatedAt: at(0),
	}
}

// chainHash is the hash function the suite chains audit records with. It
// covers the time to the nanosecond, so a store that hashes a record other
// than the one it stores breaks the chain.
func chainHash(prev string, r store.AuditRecord) string {
	sum := sha256.Sum256(fmt.Appendf(nil, "%s|%s|%d|%s|%s|%s|%s|%s|%s|%s|%d|%s", prev, r.UserID, r.Time.UnixNano(),
		r.KeyID, r.Tool, r.Arguments, r.Decision, r.Rule, r.Outcome, r.Error, r.LatencyUS, r.PrevHash))
	return hex.EncodeToString(sum[:])
}

// concurrently runs fn(0), ..., fn(n-1) at once and returns their errors.
func concurrently(n int, fn func(i int) error) []error {
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { errs[i] = fn(i) })
	}
	wg.Wait()
	return errs
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// wantErr fails unless errors.Is(err, want).
func wantErr(t *testing.T, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Errorf("got error %v, want %v", err, want)
	}
}

func equal[T any](t *testing.T, what string, got, want T) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s:\n got %+v\nwant %+v", what, got, want)
	}
}
