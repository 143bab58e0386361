package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"sync"

	"github.com/mcpgate/mcpgate/pkg/store"
)

// Store implements store.Store on a *sql.DB and a Dialect.
type Store struct {
	db    *sql.DB
	d     *Dialect
	stmts stmtCache
	// heads holds each user's audit chain head as this Store last wrote
	// it (userID -> hash), for Dialect.OneStatementAppend.
	heads sync.Map
	// onWrite, if set, runs after each write transaction that may have
	// moved the generation (see SetWriteHook).
	onWrite func(context.Context)

	closeOnce sync.Once
	closeErr  error
}

// New returns a Store that queries db in dialect d. The Store owns db and
// closes it in Close.
func New(db *sql.DB, d *Dialect) *Store {
	return &Store{db: db, d: d}
}

// SetWriteHook makes the Store call hook after each write transaction
// that may have moved the generation (any but an audit append, a rate hit
// or a key's last use), once it has committed or failed: PostgreSQL's
// driver waits there until every serve has taken the change (see its
// watch.go). Set it before the Store is used.
func (s *Store) SetWriteHook(hook func(context.Context)) { s.onWrite = hook }

// DB returns the underlying database, for tests and diagnostics. Queries
// run on it directly bypass the user scoping of the Store.
func (s *Store) DB() *sql.DB { return s.db }

// User returns a handle confined to userID's rows.
func (s *Store) User(userID string) store.UserStore {
	return &userStore{s: s, userID: userID}
}

// Privileged returns the path for the operations that cross users.
func (s *Store) Privileged() store.Privileged { return &privileged{s: s} }

// Ping reports whether the database answers.
//
// database/sql retries a query on a connection the driver finds dead,
// but not a ping: each ping would take the next idle connection the
// database ended (after a restart, say) and fail on it, so readiness
// would come back only once every such connection had been tried. Ping
// goes on past them (each is dropped from the pool as it fails), up to
// one more than the pool holds.
func (s *Store) Ping(ctx context.Context) error {
	var err error
	for range s.db.Stats().MaxOpenConnections + 1 {
		if err = s.db.PingContext(ctx); !errors.Is(err, driver.ErrBadConn) {
			break
		}
	}
	if err != nil {
		return fmt.Errorf("ping %s: %w", s.d.Name, err)
	}
	return nil
}

// Close closes the database; later calls return the first call's result.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		s.stmts.close()
		s.closeErr = s.db.Close()
	})
	return s.closeErr
}

// errOtherUser refuses a record that names a user other than the handle's:
// to a handle, another user's row looks like one that does not exist.
var errOtherUser = fmt.Errorf("%w: the record names another user", store.ErrNotFound)

// userStore is confined to one user: every query filters by userID.
type userStore struct {
	s      *Store
	userID string
}

func (u *userStore) UserID() string { return u.userID }

func (u *userStore) scope(ctx context.Context, t *sql.Tx) error {
	if u.userID == "" {
		return errors.New("user store has no user id")
	}
	if u.s.d.ScopeUser == nil {
		return nil
	}
	return u.s.d.ScopeUser(ctx, t, u.userID)
}

func (u *userStore) read(ctx context.Context, fn func(tx) error) error {
	return u.s.run(ctx, true, u.scope, fn)
}

func (u *userStore) write(ctx context.Context, fn func(tx) error) error {
	return u.s.run(ctx, false, u.scope, fn)
}

// writeHot is write for the request path's own writes; see Store.runHot.
func (u *userStore) writeHot(ctx context.Context, fn func(tx) error) error {
	return u.s.runHot(ctx, u.scope, fn)
}

// owns reports whether a record naming recordUser may be written through
// u: it must name u's user, or no one (and then it is u's).
func (u *userStore) owns(recordUser string) error {
	if recordUser != "" && recordUser != u.userID {
		return errOtherUser
	}
	return nil
}

// privileged crosses users; on PostgreSQL it is the only path that does.
type privileged struct{ s *Store }

func (p *privileged) read(ctx context.Context, fn func(tx) error) error {
	return p.s.run(ctx, true, p.s.d.ScopePrivileged, fn)
}

func (p *privileged) write(ctx context.Context, fn func(tx) error) error {
	return p.s.run(ctx, false, p.s.d.ScopePrivileged, fn)
}

var (
	_ store.Store      = (*Store)(nil)
	_ store.UserStore  = (*userStore)(nil)
	_ store.Privileged = (*privileged)(nil)
)
