package postgres

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// The generation watch: serve reads the generation (store.Store.
// Generation) before every request, and on PostgreSQL each read was a
// round trip. Instead one connection LISTENs on the channel that every
// change to the generation notifies (migration 9), and Generation answers
// from memory while that connection is known to be listening. It is known
// to be while it has answered within the staleness bound: every
// heartbeat (bound/4) re-reads the generation on it, so a change is seen
// at once through its notification, or at worst within the bound if the
// connection went silently dead. Past the bound (the connection lost,
// not yet back) Generation reads the database on every call, as before.
const (
	channel        = "mcpgate_generation"
	staleBound     = time.Second
	reconnectDelay = 250 * time.Millisecond
)

// watch holds the generation as the listening connection last read it.
type watch struct {
	cfg   *pgx.ConnConfig
	bound time.Duration

	mu    sync.Mutex
	gen   int64
	fresh time.Time // when gen was last read on the listening connection
	ok    bool      // gen was read on a connection that was listening
	epoch uint64    // moved by forget: a read begun before it is stale

	start sync.Once
	stop  context.CancelFunc
	ctx   context.Context
	done  chan struct{}
	// hold, if set (tests), runs before each read of the generation: a
	// hold that blocks stands for a connection gone silently dead.
	hold func()
}

func newWatch(cfg *pgx.ConnConfig, bound time.Duration) *watch {
	ctx, stop := context.WithCancel(context.Background())
	return &watch{cfg: cfg, bound: bound, ctx: ctx, stop: stop, done: make(chan struct{})}
}

// current returns the generation if the listening connection vouches for
// it (read within the bound), starting the watch on first use.
func (w *watch) current() (int64, bool) {
	w.start.Do(func() { go w.run() })
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.ok && time.Since(w.fresh) < w.bound {
		return w.gen, true
	}
	return 0, false
}

// close stops the watch and waits for it; safe to call more than once.
func (w *watch) close() {
	w.stop()
	w.start.Do(func() { close(w.done) }) // never started: nothing to wait for
	<-w.done
}

// forget drops the generation held until the next read: a change was
// notified, or this process made one.
func (w *watch) forget() {
	w.mu.Lock()
	w.epoch++
	w.ok = false
	w.mu.Unlock()
}

// since returns the epoch, to pass to set after a read.
func (w *watch) since() uint64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.epoch
}

// set keeps gen as read on the listening connection, unless it was
// forgotten since the read began (epoch); it reports whether it kept it.
func (w *watch) set(gen int64, epoch uint64) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if epoch != w.epoch {
		return false
	}
	w.gen, w.ok, w.fresh = gen, true, time.Now()
	return true
}

func (w *watch) run() {
	defer close(w.done)
	for w.ctx.Err() == nil {
		w.listen()
		w.forget()
		select {
		case <-w.ctx.Done():
		case <-time.After(reconnectDelay):
		}
	}
}

// listen connects, LISTENs, and keeps the generation read until the
// connection fails.
func (w *watch) listen() {
	conn, err := pgx.ConnectConfig(w.ctx, w.cfg.Copy())
	if err != nil {
		return
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(w.ctx, "LISTEN "+channel); err != nil {
		return
	}
	for {
		if w.hold != nil {
			w.hold()
		}
		// Read after LISTEN took effect: a change committed after this
		// read is notified, one before it is in the number read.
		epoch := w.since()
		ctx, cancel := context.WithTimeout(w.ctx, w.bound/2)
		var gen int64
		err := conn.QueryRow(ctx, "SELECT n FROM generation WHERE id = 1").Scan(&gen)
		cancel()
		if err != nil {
			return
		}
		if !w.set(gen, epoch) {
			continue // forgotten meanwhile: read again
		}
		// Wait for a notification, or the next heartbeat. One read
		// covers every notification that came before it.
		ctx, cancel = context.WithTimeout(w.ctx, w.bound/4)
		n, err := conn.WaitForNotification(ctx)
		cancel()
		if n != nil {
			w.forget() // until the read that follows
		}
		if err != nil && !errors.Is(err, context.DeadlineExceeded) {
			return
		}
		if w.ctx.Err() != nil || conn.IsClosed() {
			return
		}
	}
}
