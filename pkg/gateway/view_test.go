package gateway

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/mcpgate/mcpgate/pkg/store"
	"github.com/mcpgate/mcpgate/pkg/store/sqlite/sqlitetest"
)

// viewStore is a migrated SQLite store with user u_a and its key k_1.
func viewStore(t *testing.T) store.Store {
	t.Helper()
	st, _ := sqlitetest.Open(t)
	sqlitetest.AddUser(t, st, "u_a")
	if err := st.User("u_a").CreateAPIKey(t.Context(), store.APIKey{ID: "k_1", UserID: "u_a", Name: "desktop", Hash: "$argon2id$1"}); err != nil {
		t.Fatal(err)
	}
	return st
}

// countingReads wraps the privileged key read and counts its calls.
func countingReads(st store.Store, n *int) func(context.Context, string) (store.APIKey, error) {
	return func(ctx context.Context, id string) (store.APIKey, error) {
		*n++
		return st.Privileged().APIKey(ctx, id)
	}
}

func TestViewReadsAKeyOncePerGeneration(t *testing.T) {
	st := viewStore(t)
	var vs views
	var reads int
	read := countingReads(st, &reads)
	for range 5 {
		v, err := vs.at(t.Context(), st)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := v.key(t.Context(), "k_1", read); err != nil {
			t.Fatal(err)
		}
	}
	if reads != 1 {
		t.Errorf("5 requests at one generation read the key %d times, want 1", reads)
	}
}

func TestViewSeesARevocationOnTheNextRequest(t *testing.T) {
	st := viewStore(t)
	var vs views
	var reads int
	read := countingReads(st, &reads)
	v, err := vs.at(t.Context(), st)
	if err != nil {
		t.Fatal(err)
	}
	if k, err := v.key(t.Context(), "k_1", read); err != nil || k.Revoked() {
		t.Fatalf("before revoking: %+v, %v", k, err)
	}
	k, _ := st.User("u_a").APIKeyByName(t.Context(), "desktop")
	k.RevokedAt = time.Now()
	if err := st.User("u_a").UpdateAPIKey(t.Context(), k); err != nil {
		t.Fatal(err)
	}
	next, err := vs.at(t.Context(), st)
	if err != nil {
		t.Fatal(err)
	}
	if next == v || next.gen <= v.gen {
		t.Fatalf("after a revocation the view stayed at generation %d", v.gen)
	}
	if k, err := next.key(t.Context(), "k_1", read); err != nil || !k.Revoked() {
		t.Errorf("the next request sees %+v, %v; want the key revoked", k, err)
	}
	// The old view, still held by a request that began before the change,
	// keeps what it read; only new requests get the new view.
	if k, _ := v.key(t.Context(), "k_1", read); k.Revoked() {
		t.Errorf("the earlier view changed under its request")
	}
}

func TestViewKeepsNoUnknownKeys(t *testing.T) {
	st := viewStore(t)
	var vs views
	v, err := vs.at(t.Context(), st)
	if err != nil {
		t.Fatal(err)
	}
	var reads int
	read := countingReads(st, &reads)
	for range 3 {
		if _, err := v.key(t.Context(), "k_unknown", read); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("unknown key: got %v, want ErrNotFound", err)
		}
	}
	if reads != 3 || len(v.keys) != 0 {
		t.Errorf("unknown key read %d times and %d kept, want 3 reads and none kept", reads, len(v.keys))
	}
}

func TestViewALowerGenerationStartsAFreshView(t *testing.T) {
	// As after a restore from backup: the database counts from below what
	// this process saw, and what it kept must not be served.
	stale := &view{gen: 100, keys: map[string]store.APIKey{"k_1": {ID: "k_1", UserID: "u_a", Name: "restored-away"}}}
	vs := views{cur: stale}
	st := viewStore(t) // at a generation far below 100
	v, err := vs.at(t.Context(), st)
	if err != nil {
		t.Fatal(err)
	}
	if v == stale || v.gen >= 100 {
		t.Fatalf("a lower generation kept view %d", v.gen)
	}
	var reads int
	if k, _ := v.key(t.Context(), "k_1", countingReads(st, &reads)); k.Name != "desktop" || reads != 1 {
		t.Errorf("after a restore the key reads as %q (%d reads), want the database's %q", k.Name, reads, "desktop")
	}
}

func TestViewGenerationReadFailureIsAnError(t *testing.T) {
	st := viewStore(t)
	st.Close()
	var vs views
	if _, err := vs.at(t.Context(), st); err == nil {
		t.Error("a closed store gave a view, want an error")
	}
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

func TestLookupKeyGivesTheRequestItsView(t *testing.T) {
	st := viewStore(t)
	g := &Gateway{st: st}
	ctx, slot := withViewSlot(t.Context())
	if viewFrom(ctx) != nil {
		t.Fatal("a request has a view before its key was looked up")
	}
	k, err := g.lookupKey(ctx, "k_1")
	if err != nil || k.ID != "k_1" {
		t.Fatalf("lookup: %+v, %v", k, err)
	}
	if slot.v == nil || viewFrom(ctx) != slot.v {
		t.Fatal("the lookup left the request without a view")
	}
	if _, ok := slot.v.keys["k_1"]; !ok {
		t.Error("the key was not kept in the request's view")
	}
	if _, err := g.lookupKey(ctx, "k_unknown"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown key: got %v, want ErrNotFound", err)
	}
}
