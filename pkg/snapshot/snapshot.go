package snapshot

import (
	"context"
	"sync"

	"github.com/mcpgate/mcpgate/pkg/guard"
	"github.com/mcpgate/mcpgate/pkg/store"
)

// MaxEntries bounds each kind of row a Snapshot keeps. Only keys that
// were found, and their owners' rows, are kept, so an unknown key cannot
// fill a Snapshot; the bound is for an install with very many keys.
const MaxEntries = 10000

// Cache holds the Snapshot of the newest generation it has seen.
//
// A Cache is safe for concurrent use. The rows it keeps are those of
// the Snapshot current when they were read; a change through any process
// sharing the database is seen by the first At after the change
// committed.
type Cache struct {
	st     store.Store
	policy guard.PolicyLoader

	mu  sync.Mutex
	cur *Snapshot

	gmu     sync.Mutex // guards reading and next; see generation
	reading bool
	next    *genRead
}

// New returns a Cache reading keys and connections from st, and
// policies through policy (which must read them from st, and may compile
// them: a Snapshot keeps what it returns).
func New(st store.Store, policy guard.PolicyLoader) *Cache {
	return &Cache{st: st, policy: policy}
}

// At reads the store's generation and returns the Snapshot for it: the
// one returned before if the generation is the same, else a new, empty
// one, which replaces it for every later At. Any other number starts a
// new Snapshot, a lower one too: a database restored from a backup, or a
// failed-over replica, may count from below what this process saw, and
// its rows are the ones that count. (A request that read the number just
// before a change may so start a Snapshot that the next request
// replaces; its rows are current all the same, as they are read after
// the number.)
//
// An error is the store's: the generation could not be read, and no row
// should be trusted.
func (c *Cache) At(ctx context.Context) (*Snapshot, error) {
	gen, err := c.generation(ctx)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cur == nil || gen != c.cur.gen {
		c.cur = &Snapshot{
			src:      c,
			gen:      gen,
			keys:     map[string]store.APIKey{},
			conns:    map[string][]store.Connection{},
			policies: map[policyKey]guard.Effective{},
		}
	}
	return c.cur, nil
}

// Snapshot is what has been read of keys, connections and policies
// while the store's generation stood at one number. A request holds the
// Snapshot it was given for its whole life: a Snapshot never changes
// what it has returned, even once a newer one has replaced it in its
// Cache.
//
// A Snapshot is safe for concurrent use. Misses are read without its
// lock held; two requests missing the same row both read it, and either
// result is current. Errors are never kept: a row that could not be read
// is read again on the next call.
type Snapshot struct {
	src *Cache
	gen int64

	mu       sync.Mutex
	keys     map[string]store.APIKey
	conns    map[string][]store.Connection
	policies map[policyKey]guard.Effective
}

type policyKey struct{ userID, keyID string }

// Generation is the store generation the Snapshot's rows are current at.
func (s *Snapshot) Generation() int64 { return s.gen }

// Key returns the API key with the public id, as store.Privileged.APIKey
// does (store.ErrNotFound if unknown). Unknown ids are not kept.
func (s *Snapshot) Key(ctx context.Context, id string) (store.APIKey, error) {
	return through(&s.mu, s.keys, id, func() (store.APIKey, error) { return s.src.st.Privileged().APIKey(ctx, id) })
}

// Connections returns the user's connections, as
// store.UserStore.ListConnections does. The slice is shared: callers
// must not modify it.
func (s *Snapshot) Connections(ctx context.Context, userID string) ([]store.Connection, error) {
	return through(&s.mu, s.conns, userID, func() ([]store.Connection, error) { return s.src.st.User(userID).ListConnections(ctx) })
}

// Policy returns the key's effective policy, as the Cache's loader does.
func (s *Snapshot) Policy(ctx context.Context, userID, keyID string) (guard.Effective, error) {
	return through(&s.mu, s.policies, policyKey{userID, keyID}, func() (guard.Effective, error) { return s.src.policy(ctx, userID, keyID) })
}

// through returns m[k] or, on a miss, what read returns, keeping it
// unless read fails. read runs without mu held.
func through[K comparable, V any](mu *sync.Mutex, m map[K]V, k K, read func() (V, error)) (V, error) {
	mu.Lock()
	val, ok := m[k]
	mu.Unlock()
	if ok {
		return val, nil
	}
	val, err := read()
	if err != nil {
		return val, err
	}
	mu.Lock()
	keep(m, k, val)
	mu.Unlock()
	return val, nil
}

// keep stores val under k, forgetting everything first when m is full.
func keep[K comparable, V any](m map[K]V, k K, val V) {
	if len(m) >= MaxEntries {
		clear(m)
	}
	m[k] = val
}
