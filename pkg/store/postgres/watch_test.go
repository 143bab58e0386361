package postgres_test

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/mcpgate/mcpgate/pkg/snapshot"
	"github.com/mcpgate/mcpgate/pkg/store"
	"github.com/mcpgate/mcpgate/pkg/store/postgres"
)

// watched opens the database twice, as serve and as an admin command
// would: serve's store with its generation watch held by hold (if set)
// and live before it is returned, and the admin's with a user u_a.
func watched(t *testing.T, hold func()) (serve, admin store.Store, dbURL string) {
	t.Helper()
	dbURL = freshDB(t)
	admin = open(t, dbURL)
	if err := admin.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	serve = open(t, dbURL)
	postgres.SetWatchHold(serve, hold)
	u := store.User{ID: "u_a", Name: "a", CreatedAt: time.Now()}
	dek := store.DEK{UserID: u.ID, Version: 1, KEKID: "local:1", Wrapped: []byte("wrapped"), CreatedAt: time.Now()}
	if err := admin.Privileged().CreateUser(t.Context(), u, dek); err != nil {
		t.Fatal(err)
	}
	waitLive(t, serve)
	return serve, admin, dbURL
}

// dbGeneration reads the generation from the database itself.
func dbGeneration(t *testing.T, dbURL string) int64 {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(t.Context())
	var n int64
	if err := conn.QueryRow(t.Context(), "SELECT n FROM generation WHERE id = 1").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func waitLive(t *testing.T, serve store.Store) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !postgres.WatchLive(serve) {
		if time.Now().After(deadline) {
			t.Fatal("the generation watch did not take a lease within 10s")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// activeThenRevoked creates a key through admin, waits until serve has
// the generation that made (so that the snapshot which then holds the
// key active is the current one), revokes the key through admin, and
// reports whether serve's very next snapshot finds it revoked.
func activeThenRevoked(t *testing.T, serve store.Store, cache *snapshot.Cache, admin store.Store, dbURL, id string) bool {
	t.Helper()
	key := store.APIKey{ID: id, UserID: "u_a", Name: id, Hash: "$argon2id$x", CreatedAt: time.Now()}
	if err := admin.User(key.UserID).CreateAPIKey(t.Context(), key); err != nil {
		t.Fatal(err)
	}
	want := dbGeneration(t, dbURL)
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(time.Millisecond) {
		if got, err := serve.Generation(t.Context()); err == nil && got == want {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve never took generation %d", want)
		}
	}
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
	snap, err = cache.At(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	k, err := snap.Key(t.Context(), key.ID)
	if err != nil {
		t.Fatal(err)
	}
	return k.Revoked()
}

// TestRevocationIsHonouredOnTheNextRequestFromTheWatch: a key revoked by
// another process is refused by serve's very next request, every time,
// while serve answers the generation from its watch (no read per
// request): the revoking write returns only once serve has taken it.
func TestRevocationIsHonouredOnTheNextRequestFromTheWatch(t *testing.T) {
	serve, admin, dbURL := watched(t, nil)
	cache := snapshot.New(serve, nil)
	for i := range 20 {
		if !postgres.WatchLive(serve) {
			t.Fatal("the watch lost its lease during the test")
		}
		if !activeThenRevoked(t, serve, cache, admin, dbURL, fmt.Sprintf("k%d", i)) {
			t.Fatalf("revocation %d: serve's next request still found the key active", i)
		}
	}
}

// TestAWatchThatStopsRenewingFallsBackToReads: serve's watch is held (a
// paused process, a silent connection). A revocation waits no longer
// than the watch's lease, and serve's next request, its lease run out,
// reads the generation and refuses the key.
func TestAWatchThatStopsRenewingFallsBackToReads(t *testing.T) {
	var held atomic.Bool
	serve, admin, dbURL := watched(t, func() {
		for held.Load() {
			time.Sleep(10 * time.Millisecond)
		}
	})
	t.Cleanup(func() { held.Store(false) }) // before the stores close
	cache := snapshot.New(serve, nil)
	held.Store(true)
	time.Sleep(postgres.LeaseTime / 2) // the watch reaches its hold
	start := time.Now()
	if !activeThenRevoked(t, serve, cache, admin, dbURL, "k1") {
		t.Fatal("serve's next request found the revoked key active while its watch was held")
	}
	if took := time.Since(start); took > postgres.LeaseTime+time.Second {
		t.Errorf("the revocation took %v with serve's watch held, want at most its lease (%v) and a little", took, postgres.LeaseTime)
	}
	held.Store(false)
	waitLive(t, serve)
}

// TestOwnChangeIsSeenOnTheNextCall: a change made through serve's own
// store is seen by its next Generation, even while its watch is held.
func TestOwnChangeIsSeenOnTheNextCall(t *testing.T) {
	var held atomic.Bool
	serve, _, _ := watched(t, func() {
		for held.Load() {
			time.Sleep(10 * time.Millisecond)
		}
	})
	t.Cleanup(func() { held.Store(false) })
	for _, hold := range []bool{false, true} {
		held.Store(hold)
		time.Sleep(100 * time.Millisecond)
		before, err := serve.Generation(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		key := store.APIKey{ID: fmt.Sprintf("own-%v", hold), UserID: "u_a", Name: fmt.Sprintf("own-%v", hold), Hash: "$argon2id$x", CreatedAt: time.Now()}
		if err := serve.User("u_a").CreateAPIKey(t.Context(), key); err != nil {
			t.Fatal(err)
		}
		after, err := serve.Generation(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if after <= before {
			t.Errorf("held=%v: generation after serve's own change: got %d, want more than %d", hold, after, before)
		}
	}
}

// TestAWriterWaitsForEveryLeaseButNotPastIt: a watcher row that has not
// taken the generation holds a writer until its lease runs out, and a
// row whose lease ran out (a process killed) holds no one.
func TestAWriterWaitsForEveryLeaseButNotPastIt(t *testing.T) {
	_, admin, dbURL := watched(t, nil)
	create := func(id string) time.Duration {
		start := time.Now()
		key := store.APIKey{ID: id, UserID: "u_a", Name: id, Hash: "$argon2id$x", CreatedAt: time.Now()}
		if err := admin.User("u_a").CreateAPIKey(t.Context(), key); err != nil {
			t.Fatal(err)
		}
		return time.Since(start)
	}
	adminExec(t, t.Context(), dbURL, "INSERT INTO generation_watchers (id, seen, lease_until) VALUES ('killed', 0, now() - interval '1 second')")
	if took := create("k1"); took > 500*time.Millisecond {
		t.Errorf("a write took %v with only a run-out lease behind, want no wait", took)
	}
	adminExec(t, t.Context(), dbURL, "INSERT INTO generation_watchers (id, seen, lease_until) VALUES ('paused', 0, now() + interval '1500 milliseconds')")
	if took := create("k2"); took < time.Second || took > 3*time.Second {
		t.Errorf("a write took %v with a lease of 1.5 s behind, want it to wait for that lease", took)
	}
}

// TestWatchComesBackAfterItsConnectionIsKilled: the listening connection
// ended by the server; serve goes on answering correctly (by reading)
// and the watch takes a lease again.
func TestWatchComesBackAfterItsConnectionIsKilled(t *testing.T) {
	serve, admin, dbURL := watched(t, nil)
	adminExec(t, t.Context(), dbURL, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'mcpgate generation watch'")
	cache := snapshot.New(serve, nil)
	if !activeThenRevoked(t, serve, cache, admin, dbURL, "k1") {
		t.Fatal("serve's next request found the revoked key active after its listener was killed")
	}
	waitLive(t, serve)
	if !activeThenRevoked(t, serve, cache, admin, dbURL, "k2") {
		t.Fatal("serve's next request found the revoked key active once its watch came back")
	}
}

// TestWritesInARowAreTakenAtOnce: changes made back to back by four
// writers at once each return as soon as serve has taken them, not at the
// watch's next renewal, though their notifications often arrive while the
// watch is busy renewing for another.
func TestWritesInARowAreTakenAtOnce(t *testing.T) {
	serve, admin, _ := watched(t, nil)
	var mu sync.Mutex
	var slowest time.Duration
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := range 25 {
				start := time.Now()
				id := fmt.Sprintf("row%d-%d", w, i)
				key := store.APIKey{ID: id, UserID: "u_a", Name: id, Hash: "$argon2id$x", CreatedAt: time.Now()}
				if err := admin.User("u_a").CreateAPIKey(t.Context(), key); err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				slowest = max(slowest, time.Since(start))
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if !postgres.WatchLive(serve) {
		t.Fatal("the watch lost its lease")
	}
	if slowest > postgres.LeaseTime/5 {
		t.Errorf("the slowest of 100 changes took %v, want each taken at once (well under the renewal interval %v)", slowest, postgres.LeaseTime/4)
	}
}

// TestAChangeAsTheWatchStartsIsSeen: a change made while serve's watch
// is starting, between its first read of the generation and its first
// ack, is seen by every call of serve once the change has returned, even
// while the watch's next renewal is held.
func TestAChangeAsTheWatchStartsIsSeen(t *testing.T) {
	_, admin, dbURL := watched(t, nil)
	serve := open(t, dbURL)
	var reads atomic.Int32
	firstRead := make(chan int64, 1)
	written, checked := make(chan struct{}), make(chan struct{})
	// Each hold stays within the renewal's 1 s deadline. Done right, the
	// change cannot return before the watch has taken it, so the first
	// hold ends by its timeout and the change returns after the second.
	postgres.SetWatchRead(serve, func(gen int64) {
		switch reads.Add(1) {
		case 1: // the change is made between this read and its ack
			firstRead <- gen
			select {
			case <-written:
			case <-time.After(600 * time.Millisecond):
			}
		case 2: // the next renewal is held while the test checks
			select {
			case <-checked:
			case <-time.After(300 * time.Millisecond):
			}
		}
	})
	if _, err := serve.Generation(t.Context()); err != nil { // starts the watch
		t.Fatal(err)
	}
	read := <-firstRead
	key := store.APIKey{ID: "k1", UserID: "u_a", Name: "k1", Hash: "$argon2id$x", CreatedAt: time.Now()}
	if err := admin.User("u_a").CreateAPIKey(t.Context(), key); err != nil {
		t.Fatal(err)
	}
	close(written)
	defer close(checked)
	waitLive(t, serve)
	for range 20 {
		got, err := serve.Generation(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if got <= read {
			t.Fatalf("generation %d after a change made as the watch started, want more than %d", got, read)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
