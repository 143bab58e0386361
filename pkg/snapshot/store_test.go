package snapshot_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/mcpgate/mcpgate/pkg/guard"
	"github.com/mcpgate/mcpgate/pkg/store"
	_ "github.com/mcpgate/mcpgate/pkg/store/postgres" // the postgres:// driver
	"github.com/mcpgate/mcpgate/pkg/store/postgres/pgtest"
	"github.com/mcpgate/mcpgate/pkg/store/sqlite/sqlitetest"
)

// eachDriver runs fn against a fresh SQLite database and a fresh
// PostgreSQL one (skipped visibly without MCPGATE_TEST_POSTGRES_URL);
// open gives fn as many fresh, migrated databases of that driver as it
// asks for.
func eachDriver(t *testing.T, fn func(t *testing.T, open func(t *testing.T) store.Store)) {
	t.Run("sqlite", func(t *testing.T) {
		fn(t, func(t *testing.T) store.Store {
			st, _ := sqlitetest.Open(t)
			return st
		})
	})
	t.Run("postgres", func(t *testing.T) {
		pgtest.AdminURL(t)
		fn(t, func(t *testing.T) store.Store {
			st, err := store.Open(t.Context(), pgtest.FreshDB(t))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			if err := st.Migrate(t.Context()); err != nil {
				t.Fatal(err)
			}
			return st
		})
	})
}

// seed gives st user u_a, its key k_1 named name, a connection "files"
// and a key policy for k_1 that is not read-only.
func seed(t *testing.T, st store.Store, name string) {
	t.Helper()
	sqlitetest.AddUser(t, st, "u_a")
	us := st.User("u_a")
	must(t, us.CreateAPIKey(t.Context(), store.APIKey{ID: "k_1", UserID: "u_a", Name: name, Hash: "$argon2id$1", CreatedAt: time.Now()}))
	must(t, us.CreateConnection(t.Context(), store.Connection{ID: "c_1", UserID: "u_a", Name: "files", Provider: "dropbox", AuthKind: "api_key", Status: "ok", DEKVersion: 1}))
	must(t, us.PutPolicy(t.Context(), store.Policy{UserID: "u_a", KeyID: "k_1", Body: "version: 1\nread_only: false\n", UpdatedAt: time.Now()}))
}

// probe is a store.Store that counts the reads a Snapshot makes and can
// be pointed at another database, as a restore from backup does behind
// the same URL.
type probe struct {
	mu                  sync.Mutex
	db                  store.Store
	keys, conns, policy int
}

func (p *probe) cur() store.Store {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.db
}

// restore points p at db.
func (p *probe) restore(db store.Store) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.db = db
}

// reads returns how many keys, connection lists and policies were read.
func (p *probe) reads() [3]int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return [3]int{p.keys, p.conns, p.policy}
}

func (p *probe) count(n *int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	*n++
}

func (p *probe) User(id string) store.UserStore        { return probeUser{p.cur().User(id), p} }
func (p *probe) Privileged() store.Privileged          { return probePriv{p.cur().Privileged(), p} }
func (p *probe) Migrate(ctx context.Context) error     { return p.cur().Migrate(ctx) }
func (p *probe) CheckSchema(ctx context.Context) error { return p.cur().CheckSchema(ctx) }
func (p *probe) Ping(ctx context.Context) error        { return p.cur().Ping(ctx) }
func (p *probe) Close() error                          { return p.cur().Close() }
func (p *probe) Generation(ctx context.Context) (int64, error) {
	return p.cur().Generation(ctx)
}

func (p *probe) AppendAudits(ctx context.Context, groups []store.AuditAppend) {
	p.cur().AppendAudits(ctx, groups)
}

// loadPolicy is the Cache's policy loader, as the gateway's is: the
// user's layers, compiled.
func (p *probe) loadPolicy(ctx context.Context, userID, keyID string) (guard.Effective, error) {
	p.count(&p.policy)
	ps, err := p.cur().User(userID).PolicyLayers(ctx, keyID)
	if err != nil {
		return guard.Effective{}, err
	}
	var eff guard.Effective
	for _, l := range ps {
		c, err := guard.Compile([]byte(l.Body))
		if err != nil {
			return guard.Effective{}, err
		}
		if l.KeyID == "" {
			eff.Default = c
		} else {
			eff.Key = c
		}
	}
	return eff, nil
}

type probeUser struct {
	store.UserStore
	p *probe
}

func (u probeUser) ListConnections(ctx context.Context) ([]store.Connection, error) {
	u.p.count(&u.p.conns)
	return u.UserStore.ListConnections(ctx)
}

type probePriv struct {
	store.Privileged
	p *probe
}

func (v probePriv) APIKey(ctx context.Context, id string) (store.APIKey, error) {
	v.p.count(&v.p.keys)
	return v.Privileged.APIKey(ctx, id)
}

var _ store.Store = (*probe)(nil)

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// state is what a request sees of u_a through a Snapshot.
type state struct {
	keyName     string
	keyFound    bool
	keyRevoked  bool
	conns       string
	keyReadOnly bool
}

func (p *probe) AuthServer() store.AuthServerStore { return p.db.AuthServer() }

func (p *probe) TakeLease(ctx context.Context, name, holder string, now time.Time, ttl time.Duration) (bool, error) {
	return p.cur().TakeLease(ctx, name, holder, now, ttl)
}

func (p *probe) ReleaseLease(ctx context.Context, name, holder string) error {
	return p.cur().ReleaseLease(ctx, name, holder)
}
