package postgres

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/mcpgate/mcpgate/pkg/store"
)

// The generation watch. serve checks the store's generation before every
// request (store.Store.Generation), and on PostgreSQL a read was a round
// trip. Instead, one connection of each serve LISTENs on the channel that
// every change to the generation notifies (migration 16), and Generation
// answers from memory while the watch holds a lease.
//
// A change must be honoured by every serve on its next request, which a
// notification alone cannot promise: it arrives a little after the
// commit. So the writer waits. Each watch keeps a row in
// generation_watchers: the generation it has taken and a lease, renewed
// every leaseTime/4. After a commit that may have moved the generation,
// the writer waits (settle) until every row whose lease has not run out
// has taken the generation as it now stands. A watch stores a generation
// in memory before it says so in its row, so once the writer returns,
// every later request of every serve sees the change.
//
// A watch that cannot renew its lease (its connection lost, the process
// paused) stops answering from memory before its lease runs out in the
// database: its own deadline counts from before it sent the renewal,
// less a margin, while the database's counts from when it ran it. A
// writer waits for a watch no longer than that watch's lease. Past its
// deadline Generation reads the database on every call, as before.
const (
	channel        = "mcpgate_generation"
	leaseTime      = 2 * time.Second
	leaseMargin    = 250 * time.Millisecond
	reconnectDelay = 250 * time.Millisecond
	// watchApp names the listening connection in pg_stat_activity.
	watchApp = "mcpgate generation watch"
	// settleCap bounds a writer's wait whatever the rows say (a clock
	// stepped on the database server, say).
	settleCap = leaseTime + time.Second
)

// watch holds the generation as the listening connection last read it.
type watch struct {
	cfg  *pgx.ConnConfig
	id   string
	base time.Time // monotonic origin of valid

	gen   atomic.Int64
	valid atomic.Int64 // until when (ns since base) gen may be trusted; 0: not

	start sync.Once
	ctx   context.Context
	stop  context.CancelFunc
	done  chan struct{}
	// hold, if set (tests), runs before each renewal: a hold that blocks
	// stands for a paused process or a silent connection. read, if set
	// (tests), runs after each read of the generation, before it is kept.
	hold func()
	read func(gen int64)
}

func newWatch(cfg *pgx.ConnConfig) *watch {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	ctx, stop := context.WithCancel(context.Background())
	return &watch{cfg: cfg, id: hex.EncodeToString(b), base: time.Now(), ctx: ctx, stop: stop, done: make(chan struct{})}
}

// current returns the generation if the watch's lease vouches for it,
// starting the watch on first use (so only a process that asks for the
// generation, serve, keeps a row).
func (w *watch) current() (int64, bool) {
	w.start.Do(func() { go w.run() })
	// valid before gen: gen is stored before valid is extended, so a
	// valid deadline seen here comes with a generation at least as new.
	if time.Since(w.base) >= time.Duration(w.valid.Load()) {
		return 0, false
	}
	return w.gen.Load(), true
}

// close stops the watch, removes its row, and waits; safe to call more
// than once.
func (w *watch) close() {
	w.stop()
	w.start.Do(func() { close(w.done) }) // never started: nothing to wait for
	<-w.done
}

func (w *watch) run() {
	defer close(w.done)
	for w.ctx.Err() == nil {
		w.listen()
		w.valid.Store(0)
		select {
		case <-w.ctx.Done():
		case <-time.After(reconnectDelay):
		}
	}
}

// listen connects, LISTENs, and keeps the generation and the lease
// current until the connection fails or the watch stops; it removes the
// row when it stops.
func (w *watch) listen() {
	cfg := w.cfg.Copy()
	cfg.RuntimeParams["application_name"] = watchApp
	conn, err := pgx.ConnectConfig(w.ctx, cfg)
	if err != nil {
		return
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		if w.ctx.Err() != nil {
			_, _ = conn.Exec(ctx, "DELETE FROM generation_watchers WHERE id = $1", w.id)
		}
		conn.Close(ctx)
	}()
	if _, err := conn.Exec(w.ctx, "LISTEN "+channel); err != nil {
		return
	}
	// Rows whose lease ran out long ago (a process killed) are nobody's.
	_, _ = conn.Exec(w.ctx, "DELETE FROM generation_watchers WHERE lease_until < now() - interval '1 hour'")
	for {
		if w.hold != nil {
			w.hold()
		}
		if !w.renew(conn) {
			return
		}
		// Wait for a notification, or the next renewal. One read covers
		// every notification that came before it, so those already
		// received (pgx keeps those that arrive during a query) are
		// dropped unread.
		ctx, cancel := context.WithTimeout(w.ctx, leaseTime/4)
		_, err := conn.WaitForNotification(ctx)
		cancel()
		if err != nil && !errors.Is(err, context.DeadlineExceeded) {
			return
		}
		if w.ctx.Err() != nil || conn.IsClosed() {
			return
		}
		drain(conn)
	}
}

// drain drops the notifications conn has received and not yet returned,
// without waiting for more.
func drain(conn *pgx.Conn) {
	done, cancel := context.WithCancel(context.Background())
	cancel()
	for {
		if n, _ := conn.WaitForNotification(done); n == nil {
			return
		}
	}
}

// renew reads the generation (after LISTEN took effect: a change
// committed after the read is notified, one before it is in the number),
// keeps it in memory, and only then says so in the row with a new lease.
//
// The number read may be trusted only if no writer can have passed the
// row by between the read and the ack: a writer that committed after the
// read and found no live row would not wait for the ack, and a request
// trusting the number read would miss its change. So the row must be
// live throughout. While the watch is trusted, its row is live (its own
// deadline falls before the lease's), and the ack must land before that
// deadline; else, and when the watch was not trusted (at its start, after
// a hold or a lost connection), the lease is renewed first, on its own,
// and the number read only after that.
func (w *watch) renew(conn *pgx.Conn) bool {
	ctx, cancel := context.WithTimeout(w.ctx, leaseTime/2)
	defer cancel()
	for range 3 {
		live := time.Duration(w.valid.Load()) // until when the row is known live
		if time.Since(w.base) >= live {
			sent := time.Since(w.base)
			if _, err := conn.Exec(ctx, `INSERT INTO generation_watchers (id, seen, lease_until) VALUES ($1, 0, now() + $2 * interval '1 millisecond')
				ON CONFLICT (id) DO UPDATE SET lease_until = EXCLUDED.lease_until`, w.id, leaseTime.Milliseconds()); err != nil {
				return false
			}
			live = sent + leaseTime - leaseMargin
		}
		var gen int64
		if err := conn.QueryRow(ctx, "SELECT n FROM generation WHERE id = 1").Scan(&gen); err != nil {
			return false
		}
		if w.read != nil {
			w.read(gen)
		}
		w.gen.Store(gen)
		sent := time.Since(w.base)
		if _, err := conn.Exec(ctx, `INSERT INTO generation_watchers (id, seen, lease_until) VALUES ($1, $2, now() + $3 * interval '1 millisecond')
			ON CONFLICT (id) DO UPDATE SET seen = EXCLUDED.seen, lease_until = EXCLUDED.lease_until`, w.id, gen, leaseTime.Milliseconds()); err != nil {
			return false
		}
		if time.Since(w.base) < live {
			w.valid.Store(int64(sent + leaseTime - leaseMargin))
			return true
		}
		w.valid.Store(0) // the row may have lapsed before the ack: again, lease first
	}
	return false
}

// settle waits until every watch holding a lease has taken the
// generation as it stands now, or its lease ran out, or settleCap passed.
// It is the write hook: it runs after each write transaction that may
// have moved the generation. Errors end the wait: the change is
// committed, and a watch that could not be asked is one whose database
// is failing, so whose lease will not be renewed.
func settle(ctx context.Context, db *sql.DB) {
	deadline := time.Now().Add(settleCap)
	pause := 500 * time.Microsecond
	for {
		var behind int
		err := db.QueryRowContext(ctx, `SELECT count(*) FROM generation_watchers w, generation g
			WHERE g.id = 1 AND w.seen < g.n AND w.lease_until > now()`).Scan(&behind)
		if err != nil || behind == 0 || time.Now().After(deadline) {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(pause):
		}
		pause = min(2*pause, 20*time.Millisecond)
	}
}

// Watchers reports the serve processes holding a lease (see watch).
func (s *pgStore) Watchers(ctx context.Context) (store.Watchers, error) {
	var w store.Watchers
	err := s.DB().QueryRowContext(ctx, `SELECT g.n,
		(SELECT count(*) FROM generation_watchers WHERE lease_until > now()),
		(SELECT count(*) FROM generation_watchers WHERE lease_until > now() AND seen < g.n)
		FROM generation g WHERE g.id = 1`).Scan(&w.Generation, &w.Live, &w.Behind)
	if err != nil {
		return store.Watchers{}, fmt.Errorf("read generation watchers: %w", err)
	}
	return w, nil
}
