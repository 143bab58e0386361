package storetest

import (
	"errors"
	"testing"

	"github.com/mcpgate/mcpgate/pkg/store"
)

// rows is what populate stored for one user.
type rows struct {
	deks     []store.DEK // every version, oldest first
	conns    []store.Connection
	keys     []store.APIKey
	policies []store.Policy
	audit    []store.AuditRecord
	anchor   store.AuditAnchor
	state    store.OAuthState
	rate     store.RateHit // counted rateCount times
}

const rateCount = 2

// populate gives the user a row in every per-user table. "github" and
// "laptop" are names every user has; "only-<id>" names are the user's own.
// The user gets DEK version 2 (version 1 still seals the connections), and
// an audit chain whose first record was pruned.
func populate(t *testing.T, us store.UserStore, userID string) rows {
	t.Helper()
	ctx := t.Context()
	r := rows{
		deks:  []store.DEK{newDEK(userID), newDEKVersion(userID, 2)},
		conns: []store.Connection{newConnection(userID, "github"), newConnection(userID, "only-"+userID)},
		keys:  []store.APIKey{newAPIKey(userID, "laptop"), newAPIKey(userID, "only-"+userID)},
		state: newOAuthState(userID, "state-"+userID),
	}
	must(t, us.AddDEK(ctx, r.deks[1]))
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
	pruned := appendAt(t, us, 29)
	prune(t, us, 30, 1)
	r.anchor = store.AuditAnchor{UserID: userID, Seq: pruned[0].Seq, Hash: pruned[0].Hash, Pruned: 1}
	recs := []store.AuditRecord{newAudit("github_search", 30), newAudit("github_get", 31)}
	for i := range recs {
		recs[i].KeyID = r.keys[0].ID
	}
	var err error
	r.audit, err = us.AppendAudit(ctx, recs, chainHash)
	must(t, err)
	must(t, us.PutOAuthState(ctx, r.state))
	r.rate = store.RateHit{KeyID: r.keys[0].ID, Rule: "calls", WindowStart: at(3600), Limit: 10}
	for range rateCount {
		_, _, err := us.HitRate(ctx, r.rate)
		must(t, err)
	}
	return r
}

// snapshot is everything a handle can read of the rows populate made.
type snapshot struct {
	DEK      store.DEK
	DEKs     []store.DEK
	Conns    []store.Connection
	Keys     []store.APIKey
	Policies []store.Policy
	Audit    []store.AuditRecord
	Anchor   store.AuditAnchor
}

func snap(t *testing.T, us store.UserStore, r rows) snapshot {
	t.Helper()
	ctx := t.Context()
	var s snapshot
	var err error
	if s.DEK, err = us.DEK(ctx); err != nil && !errors.Is(err, store.ErrNotFound) {
		t.Fatal(err)
	}
	s.DEKs, err = us.ListDEKs(ctx)
	must(t, err)
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
	s.Anchor, err = us.AuditAnchor(ctx)
	must(t, err)
	s.DEKs, s.Conns, s.Keys, s.Audit = orNil(s.DEKs), orNil(s.Conns), orNil(s.Keys), orNil(s.Audit)
	return s
}

// orNil makes an empty listing compare equal however the driver built it.
func orNil[T any](s []T) []T {
	if len(s) == 0 {
		return nil
	}
	return s
}
