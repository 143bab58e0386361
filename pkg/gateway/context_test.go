package gateway

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/mcpgate/mcpgate/pkg/snapshot"
	"github.com/mcpgate/mcpgate/pkg/store"
	"github.com/mcpgate/mcpgate/pkg/store/sqlite/sqlitetest"
)

// keyStore is a migrated SQLite store with user u_a and its key k_1.
func keyStore(t *testing.T) store.Store {
	t.Helper()
	st, _ := sqlitetest.Open(t)
	sqlitetest.AddUser(t, st, "u_a")
	if err := st.User("u_a").CreateAPIKey(t.Context(), store.APIKey{ID: "k_1", UserID: "u_a", Name: "desktop", Hash: "$argon2id$1"}); err != nil {
		t.Fatal(err)
	}
	return st
}

func TestTouchesRecordsAKeysUseOnceAMinute(t *testing.T) {
	var tt touches
	now := time.Now()
	steps := []struct {
		at   time.Duration
		want bool
	}{{0, true}, {10 * time.Second, false}, {59 * time.Second, false}, {61 * time.Second, true}, {90 * time.Second, false}}
	for _, s := range steps {
		if got := tt.due("k_1", now.Add(s.at)); got != s.want {
			t.Errorf("due at +%v: got %v, want %v", s.at, got, s.want)
		}
	}
	if !tt.due("k_2", now) {
		t.Error("another key's first use is not due")
	}
}

func TestLookupKeyGivesTheRequestItsSnapshot(t *testing.T) {
	st := keyStore(t)
	g := &Gateway{st: st}
	g.snaps = snapshot.New(st, g.readPolicy)
	ctx, req := withRequest(t.Context())
	if requestFrom(ctx).snapshot() != nil {
		t.Fatal("a request has a snapshot before its key was looked up")
	}
	k, err := g.lookupKey(ctx, "k_1")
	if err != nil || k.ID != "k_1" {
		t.Fatalf("lookup: %+v, %v", k, err)
	}
	if req.snap == nil || requestFrom(ctx).snapshot() != req.snap {
		t.Fatal("the lookup left the request without a snapshot")
	}
	if now, err := g.snaps.At(t.Context()); err != nil || now != req.snap {
		t.Errorf("the request's snapshot is not the cache's current one (%v)", err)
	}
	if _, err := g.lookupKey(ctx, "k_unknown"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown key: got %v, want ErrNotFound", err)
	}
}

func TestLookupKeyOutsideARequestReadsTheStore(t *testing.T) {
	st := keyStore(t)
	g := &Gateway{st: st} // no cache: a lookup outside a request must not need one
	if k, err := g.lookupKey(t.Context(), "k_1"); err != nil || k.ID != "k_1" {
		t.Fatalf("lookup: %+v, %v", k, err)
	}
}

func TestIdentityFromReadsTheRequest(t *testing.T) {
	want := Identity{UserID: "u_a", KeyID: "k_1", KeyName: "desktop", Scope: []string{"files"}}
	ctx, req := withRequest(t.Context())
	tests := []struct {
		name string
		ctx  context.Context
		set  bool
		ok   bool
	}{
		{"outside a request", t.Context(), false, false},
		{"before the key verified", ctx, false, false},
		{"once the key verified", ctx, true, true},
	}
	for _, tt := range tests {
		if tt.set {
			req.id, req.authed = want, true
		}
		got, ok := IdentityFrom(tt.ctx)
		if ok != tt.ok || (ok && !reflect.DeepEqual(got, want)) {
			t.Errorf("%s: got %+v, %v; want ok=%v", tt.name, got, ok, tt.ok)
		}
	}
}

func TestRequestConnectionReadsTheRequestsConnections(t *testing.T) {
	ctx, req := withRequest(t.Context())
	if _, ok := requestConnection(ctx, "files"); ok {
		t.Fatal("a connection was found before the request read any")
	}
	req.conns = []store.Connection{{ID: "c_1", Name: "files"}, {ID: "c_2", Name: "code"}}
	if c, ok := requestConnection(ctx, "code"); !ok || c.ID != "c_2" {
		t.Errorf("got %+v, %v; want c_2", c, ok)
	}
	if _, ok := requestConnection(t.Context(), "code"); ok {
		t.Error("a connection was found outside a request")
	}
}
