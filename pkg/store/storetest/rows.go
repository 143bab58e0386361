package storetest

import (
	"errors"
	"testing"

	"github.com/mcpgate/mcpgate/pkg/store"
)

// rows is what populate stored for one user.
type rows struct {
	conns    []store.Connection
	keys     []store.APIKey
	policies []store.Policy
	audit    []store.AuditRecord
	state    store.OAuthState
}

// populate gives the user a row in every per-user table. "github" and
// "laptop" are names every user has; "only-<id>" names are the user's own.
func populate(t *testing.T, us store.UserStore, userID string) rows {
	t.Helper()
	ctx := t.Context()
	r := rows{
		conns: []store.Connection{newConnection(userID, "github"), newConnection(userID, "only-"+userID)},
		keys:  []store.APIKey{newAPIKey(userID, "laptop"), newAPIKey(userID, "only-"+userID)},
		state: newOAuthState(userID, "state-"+userID),
	}
	r.policies = []store.Policy{
		{UserID: userID, KeyID: "", Body: "default of " + userID, UpdatedAt: at(20)},
		{UserID: userID, KeyID: r.keys[0].ID, Body: "laptop of " + userID, UpdatedAt: at(21)},
	}
	for _, c := range r.conns {
		must(t, us.CreateConnection(ctx, c))
	}
	for _, k := range r.keys {
		must(t, us.CreateAPIKey(ctx, k))
	}
	for _, p := range r.policies {
		must(t, us.PutPolicy(ctx, p))
	}
	recs := []store.AuditRecord{newAudit("github_search", 30), newAudit("github_get", 31)}
	for i := range recs {
		recs[i].KeyID = r.keys[0].ID
	}
	var err error
	r.audit, err = us.AppendAudit(ctx, recs, chainHash)
	must(t, err)
	must(t, us.PutOAuthState(ctx, r.state))
	return r
}

// snapshot is everything a handle can read of the rows populate made.
type snapshot struct {
	DEK      store.DEK
	Conns    []store.Connection
	Keys     []store.APIKey
	Policies []store.Policy
	Audit    []store.AuditRecord
}

func snap(t *testing.T, us store.UserStore, r rows) snapshot {
	t.Helper()
	ctx := t.Context()
	var s snapshot
	var err error
	if s.DEK, err = us.DEK(ctx); err != nil && !errors.Is(err, store.ErrNotFound) {
		t.Fatal(err)
	}
	s.Conns, err = us.ListConnections(ctx)
	must(t, err)
	s.Keys, err = us.ListAPIKeys(ctx)
	must(t, err)
	for _, p := range r.policies {
		got, err := us.Policy(ctx, p.KeyID)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		must(t, err)
		s.Policies = append(s.Policies, got)
	}
	s.Audit, err = us.ListAudit(ctx, store.AuditFilter{})
	must(t, err)
	s.Conns, s.Keys, s.Audit = orNil(s.Conns), orNil(s.Keys), orNil(s.Audit)
	return s
}

// orNil makes an empty listing compare equal however the driver built it.
func orNil[T any](s []T) []T {
	if len(s) == 0 {
		return nil
	}
	return s
}
