package snapshot_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mcpgate/mcpgate/pkg/snapshot"
	"github.com/mcpgate/mcpgate/pkg/store"
)

// read returns what a request reading k_1, u_a's connections and k_1's
// policy through s sees.
func read(t *testing.T, s *snapshot.Snapshot, keyID string) state {
	t.Helper()
	var got state
	k, err := s.Key(t.Context(), keyID)
	switch {
	case errors.Is(err, store.ErrNotFound):
	case err != nil:
		t.Fatal(err)
	default:
		got.keyFound, got.keyName, got.keyRevoked = true, k.Name, k.Revoked()
	}
	conns, err := s.Connections(t.Context(), "u_a")
	must(t, err)
	var names []string
	for _, c := range conns {
		names = append(names, c.Name)
	}
	got.conns = strings.Join(names, ",")
	eff, err := s.Policy(t.Context(), "u_a", keyID)
	must(t, err)
	got.keyReadOnly = eff.Key.ReadOnly()
	return got
}

func at(t *testing.T, c *snapshot.Cache) *snapshot.Snapshot {
	t.Helper()
	s, err := c.At(t.Context())
	must(t, err)
	return s
}

func TestSnapshotReadsEachRowOncePerGeneration(t *testing.T) {
	eachDriver(t, func(t *testing.T, open func(*testing.T) store.Store) {
		p := &probe{db: open(t)}
		seed(t, p.db, "desktop")
		c := snapshot.New(p, p.loadPolicy)
		first := at(t, c)
		for range 5 {
			s := at(t, c)
			if s != first {
				t.Fatalf("generation %d gave a new snapshot at %d", first.Generation(), s.Generation())
			}
			read(t, s, "k_1")
		}
		if got, want := p.reads(), [3]int{1, 1, 1}; got != want {
			t.Errorf("5 requests at one generation read (keys, connections, policies) %v times, want %v", got, want)
		}
	})
}

// change is something the CLI does through the store while serve runs.
type change struct {
	name  string
	keyID string // the key the request presents
	do    func(ctx context.Context, us store.UserStore) error
	want  state
}

var changes = []change{
	{
		name: "a new key", keyID: "k_2",
		do: func(ctx context.Context, us store.UserStore) error {
			return us.CreateAPIKey(ctx, store.APIKey{ID: "k_2", UserID: "u_a", Name: "laptop", Hash: "$argon2id$2", CreatedAt: time.Now()})
		},
		want: state{keyFound: true, keyName: "laptop", conns: "files"},
	},
	{
		name: "a revoked key", keyID: "k_1",
		do: func(ctx context.Context, us store.UserStore) error {
			k, err := us.APIKeyByName(ctx, "desktop")
			if err != nil {
				return err
			}
			k.RevokedAt = time.Now()
			return us.UpdateAPIKey(ctx, k)
		},
		want: state{keyFound: true, keyName: "desktop", keyRevoked: true, conns: "files"},
	},
	{
		name: "a changed policy", keyID: "k_1",
		do: func(ctx context.Context, us store.UserStore) error {
			return us.PutPolicy(ctx, store.Policy{UserID: "u_a", KeyID: "k_1", Body: "version: 1\nread_only: true\n", UpdatedAt: time.Now()})
		},
		want: state{keyFound: true, keyName: "desktop", conns: "files", keyReadOnly: true},
	},
	{
		name: "a removed connection", keyID: "k_1",
		do: func(ctx context.Context, us store.UserStore) error {
			return us.DeleteConnection(ctx, "files")
		},
		want: state{keyFound: true, keyName: "desktop", conns: ""},
	},
	{
		name: "an added connection", keyID: "k_1",
		do: func(ctx context.Context, us store.UserStore) error {
			return us.CreateConnection(ctx, store.Connection{ID: "c_2", UserID: "u_a", Name: "code", Provider: "github", AuthKind: "api_key", Status: "ok", DEKVersion: 1})
		},
		want: state{keyFound: true, keyName: "desktop", conns: "code,files"},
	},
}

func TestSnapshotSeesAChangeOnTheNextRead(t *testing.T) {
	eachDriver(t, func(t *testing.T, open func(*testing.T) store.Store) {
		for _, ch := range changes {
			t.Run(ch.name, func(t *testing.T) {
				p := &probe{db: open(t)}
				seed(t, p.db, "desktop")
				c := snapshot.New(p, p.loadPolicy)
				before := at(t, c)
				was := read(t, before, ch.keyID)
				must(t, ch.do(t.Context(), p.db.User("u_a")))
				next := at(t, c)
				if next == before || next.Generation() <= before.Generation() {
					t.Fatalf("after the change the snapshot stayed at generation %d", before.Generation())
				}
				if got := read(t, next, ch.keyID); got != ch.want {
					t.Errorf("the next request sees %v, want %v", got, ch.want)
				}
				// A request that began before the change keeps what it
				// read; only new requests get the new snapshot.
				// (An unknown key is not kept, so a new key shows in both.)
				if got := read(t, before, ch.keyID); ch.keyID == "k_1" && got != was {
					t.Errorf("the earlier snapshot changed under its request: %v, was %v", got, was)
				}
			})
		}
	})
}

func TestSnapshotALowerGenerationStartsAFreshOne(t *testing.T) {
	// As after a restore from backup: the database counts from below what
	// this process saw, and what it kept must not be served.
	eachDriver(t, func(t *testing.T, open func(*testing.T) store.Store) {
		backup := open(t)
		seed(t, backup, "restored")
		live := open(t)
		seed(t, live, "desktop")
		for i := range 5 { // move live well past the backup
			must(t, live.User("u_a").CreateAPIKey(t.Context(), store.APIKey{ID: fmt.Sprintf("k_x%d", i), UserID: "u_a", Name: fmt.Sprintf("x%d", i), Hash: "$argon2id$x"}))
		}
		p := &probe{db: live}
		c := snapshot.New(p, p.loadPolicy)
		old := at(t, c)
		if got := read(t, old, "k_1"); got.keyName != "desktop" {
			t.Fatalf("before the restore: %v", got)
		}
		p.restore(backup)
		s := at(t, c)
		if s.Generation() >= old.Generation() {
			t.Fatalf("the backup is at generation %d, not below %d: the test proves nothing", s.Generation(), old.Generation())
		}
		if got := read(t, s, "k_1"); got.keyName != "restored" {
			t.Errorf("after the restore the key reads as %q, want the database's %q", got.keyName, "restored")
		}
		if got, want := p.reads()[0], 2; got != want {
			t.Errorf("the key was read %d times, want %d (once per database)", got, want)
		}
	})
}

func TestSnapshotKeepsNoUnknownKeys(t *testing.T) {
	eachDriver(t, func(t *testing.T, open func(*testing.T) store.Store) {
		p := &probe{db: open(t)}
		seed(t, p.db, "desktop")
		s := at(t, snapshot.New(p, p.loadPolicy))
		for range 3 {
			if _, err := s.Key(t.Context(), "k_unknown"); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("unknown key: got %v, want store.ErrNotFound", err)
			}
		}
		if got := p.reads()[0]; got != 3 {
			t.Errorf("an unknown key was read %d times in 3 lookups, want 3 (not kept)", got)
		}
	})
}

func TestSnapshotGenerationReadFailureIsAnError(t *testing.T) {
	eachDriver(t, func(t *testing.T, open func(*testing.T) store.Store) {
		st := open(t)
		st.Close()
		if s, err := snapshot.New(st, nil).At(t.Context()); err == nil {
			t.Errorf("a closed store gave a snapshot at generation %d, want an error", s.Generation())
		}
	})
}

func TestSnapshotIsSafeForConcurrentRequests(t *testing.T) {
	eachDriver(t, func(t *testing.T, open func(*testing.T) store.Store) {
		p := &probe{db: open(t)}
		seed(t, p.db, "desktop")
		c := snapshot.New(p, p.loadPolicy)
		var wg sync.WaitGroup
		for i := range 8 {
			wg.Go(func() {
				for range 20 {
					s, err := c.At(context.Background())
					if err != nil {
						t.Error(err)
						return
					}
					if _, err := s.Key(context.Background(), "k_1"); err != nil {
						t.Error(err)
					}
					if i == 0 {
						_ = p.db.User("u_a").PutPolicy(context.Background(), store.Policy{UserID: "u_a", KeyID: "k_1", Body: "version: 1\n", UpdatedAt: time.Now()})
					}
				}
			})
		}
		wg.Wait()
	})
}
