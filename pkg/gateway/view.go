package gateway

import (
	"context"
	"sync"

	"github.com/mcpgate/mcpgate/pkg/guard"
	"github.com/mcpgate/mcpgate/pkg/store"
)

// view is what the gateway has read of keys, connections and policies
// while the store's generation stood at gen. Every change to those rows
// moves the generation (in the change's own transaction), and each
// request reads the generation first, so a request never sees rows older
// than the last change committed before it began: a key revoked or a
// policy set from the CLI applies on the next request, as if every row
// were read again, for the price of one small read.
//
// A view is safe for concurrent use. Misses are read outside its lock;
// two requests missing the same row both read it, and either result is
// current.
type view struct {
	gen int64

	mu       sync.Mutex
	keys     map[string]store.APIKey
	conns    map[string][]store.Connection
	policies map[policyKey]guard.Effective
}

type policyKey struct{ userID, keyID string }

// maxViewEntries bounds each of a view's maps. Only keys that verified,
// and their owners' rows, are kept, so an unknown key cannot fill them;
// the bound is for an install with very many keys.
const maxViewEntries = 10000

// views holds the view of the newest generation seen.
type views struct {
	mu  sync.Mutex
	cur *view
}

// at returns the view for the store's current generation, starting an
// empty one when the generation has moved.
func (vs *views) at(ctx context.Context, st store.Store) (*view, error) {
	gen, err := st.Generation(ctx)
	if err != nil {
		return nil, err
	}
	vs.mu.Lock()
	defer vs.mu.Unlock()
	// Any other number starts a new view, a lower one too: a database
	// restored from a backup, or a failed-over replica, may count from
	// below what this process saw, and its rows are the ones that count.
	// (A request that read the number just before a change may so start
	// a view that the next request replaces; its rows are current all
	// the same, as they are read after the number.)
	if vs.cur == nil || gen != vs.cur.gen {
		vs.cur = &view{
			gen:      gen,
			keys:     map[string]store.APIKey{},
			conns:    map[string][]store.Connection{},
			policies: map[policyKey]guard.Effective{},
		}
	}
	return vs.cur, nil
}

type viewKey struct{}

// viewSlot is where a request's view goes once the request has one: the
// key lookup reads the generation, so a request refused before that (no
// key, a malformed one, an address over its failure budget) costs no
// database read.
type viewSlot struct{ v *view }

func withViewSlot(ctx context.Context) (context.Context, *viewSlot) {
	s := &viewSlot{}
	return context.WithValue(ctx, viewKey{}, s), s
}

// viewFrom returns the request's view; nil (read everything) outside a
// request or before its key was looked up.
func viewFrom(ctx context.Context) *view {
	s, _ := ctx.Value(viewKey{}).(*viewSlot)
	if s == nil {
		return nil
	}
	return s.v
}

// key returns the key with id, read through v. Unknown ids are not kept.
func (v *view) key(ctx context.Context, id string, read func(context.Context, string) (store.APIKey, error)) (store.APIKey, error) {
	if v == nil {
		return read(ctx, id)
	}
	return through(&v.mu, v.keys, id, func() (store.APIKey, error) { return read(ctx, id) })
}

// connections returns the user's connections, read through v.
func (v *view) connections(ctx context.Context, userID string, read func(context.Context) ([]store.Connection, error)) ([]store.Connection, error) {
	if v == nil {
		return read(ctx)
	}
	return through(&v.mu, v.conns, userID, func() ([]store.Connection, error) { return read(ctx) })
}

// policy returns the key's effective policy, read and compiled through v.
func (v *view) policy(ctx context.Context, userID, keyID string, load guard.PolicyLoader) (guard.Effective, error) {
	if v == nil {
		return load(ctx, userID, keyID)
	}
	return through(&v.mu, v.policies, policyKey{userID, keyID}, func() (guard.Effective, error) { return load(ctx, userID, keyID) })
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
	if len(m) >= maxViewEntries {
		clear(m)
	}
	m[k] = val
}
