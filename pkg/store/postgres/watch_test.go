package postgres_test

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/mcpgate/mcpgate/pkg/snapshot"
	"github.com/mcpgate/mcpgate/pkg/store"
	"github.com/mcpgate/mcpgate/pkg/store/postgres"
)

// watched opens the database twice, as serve and as an admin command
// would: serve's store with the generation watch set to bound and hold,
// live before it is returned, and the other with a user u_a and a key.
func watched(t *testing.T, bound time.Duration, hold func()) (serve, admin store.Store, key store.APIKey) {
	t.Helper()
	dbURL := freshDB(t)
	admin = open(t, dbURL)
	if err := admin.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	serve = open(t, dbURL)
	postgres.SetWatch(serve, bound, hold)
	u := store.User{ID: "u_a", Name: "a", CreatedAt: time.Now()}
	dek := store.DEK{UserID: u.ID, Version: 1, KEKID: "local:1", Wrapped: []byte("wrapped"), CreatedAt: time.Now()}
	if err := admin.Privileged().CreateUser(t.Context(), u, dek); err != nil {
		t.Fatal(err)
	}
	key = store.APIKey{ID: "k1", UserID: u.ID, Name: "desktop", Hash: "$argon2id$x", CreatedAt: time.Now()}
	if err := admin.User(u.ID).CreateAPIKey(t.Context(), key); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for !postgres.WatchLive(serve) {
		if time.Now().After(deadline) {
			t.Fatal("the generation watch did not start listening within 10s")
		}
		time.Sleep(10 * time.Millisecond)
	}
	return serve, admin, key
}

// revokedWithin revokes key through admin and returns how long serve's
// snapshot went on returning it unrevoked (failing after limit).
func revokedWithin(t *testing.T, serve, admin store.Store, key store.APIKey, limit time.Duration) time.Duration {
	t.Helper()
	cache := snapshot.New(serve, nil)
	snap, err := cache.At(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if k, err := snap.Key(t.Context(), key.ID); err != nil || k.Revoked() {
		t.Fatalf("before revoking: got %+v, %v; want the active key", k, err)
	}
	key.RevokedAt = time.Now()
	if err := admin.User(key.UserID).UpdateAPIKey(t.Context(), key); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	for time.Since(start) < limit {
		snap, err := cache.At(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		k, err := snap.Key(t.Context(), key.ID)
		if err != nil {
			t.Fatal(err)
		}
		if k.Revoked() {
			return time.Since(start)
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("a key revoked by another process was still active after %v", limit)
	return 0
}

// TestGenerationIsNotifiedNotPolled: with a staleness bound far longer
// than the wait, a key revoked by another process is seen as revoked at
// once, so through the notification, with no read of the generation per
// request.
func TestGenerationIsNotifiedNotPolled(t *testing.T) {
	serve, admin, key := watched(t, time.Minute, nil)
	if took := revokedWithin(t, serve, admin, key, 10*time.Second); took > 5*time.Second {
		t.Errorf("revocation seen after %v, want it at once", took)
	}
}

// TestRevocationIsSeenWithinTheBoundWhileTheListenerIsCut stops the
// watch from reading anything (its connection stays open, as one gone
// silently dead would): a key revoked meanwhile is refused all the same
// once the bound has passed, by reading the generation from the database.
func TestRevocationIsSeenWithinTheBoundWhileTheListenerIsCut(t *testing.T) {
	var cut atomic.Bool
	const bound = time.Second
	serve, admin, key := watched(t, bound, func() {
		for cut.Load() {
			time.Sleep(10 * time.Millisecond)
		}
	})
	t.Cleanup(func() { cut.Store(false) }) // before the stores close
	cut.Store(true)
	// Let the watch reach its hold: it then reads no notification.
	time.Sleep(bound / 2)
	took := revokedWithin(t, serve, admin, key, 10*bound)
	if took > bound+2*time.Second {
		t.Errorf("revocation seen after %v with the listener cut, want within the bound %v (and a little slack)", took, bound)
	}
}

// TestOwnChangeIsSeenOnTheNextCall: a change made through serve's own
// store is seen by its next Generation even while the watch reads no
// notification (cut, with a bound far longer than the test).
func TestOwnChangeIsSeenOnTheNextCall(t *testing.T) {
	var cut atomic.Bool
	serve, _, key := watched(t, time.Minute, func() {
		for cut.Load() {
			time.Sleep(10 * time.Millisecond)
		}
	})
	t.Cleanup(func() { cut.Store(false) }) // before the stores close
	cut.Store(true)
	time.Sleep(100 * time.Millisecond) // the watch reaches its hold
	before, err := serve.Generation(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	key.RevokedAt = time.Now()
	if err := serve.User(key.UserID).UpdateAPIKey(t.Context(), key); err != nil {
		t.Fatal(err)
	}
	after, err := serve.Generation(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if after <= before {
		t.Errorf("generation after serve's own change: got %d, want more than %d", after, before)
	}
}
