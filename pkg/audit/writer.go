package audit

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/mcpgate/mcpgate/pkg/store"
)

// ErrClosed means the writer was closed before the record was queued.
var ErrClosed = errors.New("audit writer is closed")

// maxBatch bounds how many records go into one transaction.
const maxBatch = 512

// Writer commits audit records durably. Write blocks until its record is
// committed (or fails). Concurrent Writes share transactions, so the
// disk-sync cost is paid once per group rather than once per call.
//
// The group is committed by one of the waiting callers, the leader, on its
// own goroutine: a call that finds no commit running commits its record at
// once, with no hand-off to another goroutine; calls that arrive while a
// commit runs queue up, and the first of them leads the next commit, of
// everything queued by then. Writer is safe for concurrent use.
type Writer struct {
	st   store.Store
	keys *Keys

	mu      sync.Mutex
	queue   []*pending
	leading bool // a caller is committing; the queue waits for it
	closed  bool
	writes  sync.WaitGroup // Writes queued and not yet returned
	// committed, if set, is called after each commit (the forwarder's
	// wake-up); it must not block.
	committed func()
}

// OnCommit sets fn to be called after each group commit. Set it before
// the first Write; fn must not block.
func (w *Writer) OnCommit(fn func()) { w.committed = fn }

type pending struct {
	rec  store.AuditRecord
	done chan error    // the outcome of the commit that held rec
	lead chan struct{} // closed when this caller must lead the next commit
	seq  int64
	hash string
}

// NewWriter returns a writer over st that chains each user's records
// under the user's audit key from keys. Close stops it.
func NewWriter(st store.Store, keys *Keys) *Writer { return &Writer{st: st, keys: keys} }

// Write commits rec and returns it as stored (with Seq and Hash). Once
// queued, the record is committed or fails even if ctx ends, which keeps
// "recorded" and "returned" in step.
func (w *Writer) Write(ctx context.Context, rec store.AuditRecord) (store.AuditRecord, error) {
	if err := ctx.Err(); err != nil {
		return rec, fmt.Errorf("queue audit record: %w", err)
	}
	p := &pending{rec: rec, done: make(chan error, 1), lead: make(chan struct{})}
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return rec, ErrClosed
	}
	w.writes.Add(1)
	defer w.writes.Done()
	w.queue = append(w.queue, p)
	leader := !w.leading
	w.leading = true
	w.mu.Unlock()

	if !leader {
		select {
		case err := <-p.done:
			rec.Seq, rec.Hash = p.seq, p.hash
			return rec, err
		case <-p.lead:
		}
	}
	w.commitQueued()
	err := <-p.done
	rec.Seq, rec.Hash = p.seq, p.hash
	return rec, err
}

// commitQueued commits what is queued (up to maxBatch records, the
// leader's own first) and then passes the lead to the first caller still
// queued, or ends it.
func (w *Writer) commitQueued() {
	w.mu.Lock()
	n := min(len(w.queue), maxBatch)
	batch := w.queue[:n:n]
	w.queue = w.queue[n:]
	w.mu.Unlock()

	w.commit(batch)

	w.mu.Lock()
	if len(w.queue) > 0 {
		close(w.queue[0].lead)
	} else {
		w.leading = false
	}
	w.mu.Unlock()
}

// Close refuses new records and waits for the queued ones to commit.
func (w *Writer) Close() error {
	w.mu.Lock()
	w.closed = true
	w.mu.Unlock()
	w.writes.Wait()
	return nil
}

// commit stores a batch, the records of all its users in one
// transaction where the store can (store.Store.AppendAudits), and tells
// each caller its outcome once that transaction has committed or failed.
func (w *Writer) commit(batch []*pending) {
	byUser := map[string]int{}
	var groups []store.AuditAppend
	var waiters [][]*pending
	for _, p := range batch {
		i, ok := byUser[p.rec.UserID]
		if !ok {
			i = len(groups)
			byUser[p.rec.UserID] = i
			groups = append(groups, store.AuditAppend{UserID: p.rec.UserID})
			waiters = append(waiters, nil)
		}
		rec := p.rec
		rec.Chain = ChainKeyed
		groups[i].Records = append(groups[i].Records, rec)
		waiters[i] = append(waiters[i], p)
	}
	// A user whose keys cannot be opened fails alone; the others commit.
	var ready []store.AuditAppend
	var readyWaiters [][]*pending
	for i, g := range groups {
		ring, err := w.keys.Ensure(context.Background(), g.UserID)
		if err != nil {
			release(waiters[i], nil, err)
			continue
		}
		g.Hash = ring.Hash
		ready = append(ready, g)
		readyWaiters = append(readyWaiters, waiters[i])
	}
	w.st.AppendAudits(context.Background(), ready)
	for i, g := range ready {
		release(readyWaiters[i], g.Stored, g.Err)
	}
	if w.committed != nil && len(ready) > 0 {
		w.committed()
	}
}

// release tells each waiter its outcome: its record as stored, or err.
func release(ps []*pending, stored []store.AuditRecord, err error) {
	var b *Break
	switch {
	case errors.As(err, &b):
		err = fmt.Errorf("write audit record: the user's audit log is broken and cannot be re-chained under its key (%w): see `mcpgate audit verify`, keep an export as evidence, then prune past the broken record", err)
	case err != nil:
		err = fmt.Errorf("write audit record: %w", err)
	}
	for i, p := range ps {
		if err == nil && i < len(stored) {
			p.seq, p.hash = stored[i].Seq, stored[i].Hash
		}
		p.done <- err
	}
}
