package audit

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/mcpgate/mcpgate/pkg/store"
)

// ErrClosed means the writer was closed before the record was committed.
var ErrClosed = errors.New("audit writer is closed")

// maxBatch bounds how many records go into one transaction.
const maxBatch = 512

// Writer commits audit records durably. Write blocks until its record is
// committed (or fails); concurrent Writes share transactions, so the
// disk-sync cost is paid once per group rather than once per call.
type Writer struct {
	st   store.Store
	reqs chan *pending
	done chan struct{}

	closeOnce sync.Once
	mu        sync.RWMutex
	closed    bool
}

type pending struct {
	rec  store.AuditRecord
	err  chan error
	seq  int64
	hash string
}

// NewWriter starts a writer over st. Close stops it.
func NewWriter(st store.Store) *Writer {
	w := &Writer{st: st, reqs: make(chan *pending, 4096), done: make(chan struct{})}
	go w.loop()
	return w
}

// Write commits rec and returns it as stored (with Seq and Hash).
func (w *Writer) Write(ctx context.Context, rec store.AuditRecord) (store.AuditRecord, error) {
	p := &pending{rec: rec, err: make(chan error, 1)}
	w.mu.RLock()
	if w.closed {
		w.mu.RUnlock()
		return rec, ErrClosed
	}
	select {
	case w.reqs <- p:
	case <-ctx.Done():
		w.mu.RUnlock()
		return rec, fmt.Errorf("queue audit record: %w", ctx.Err())
	}
	w.mu.RUnlock()
	// Once queued, the record is committed or fails; waiting for it even
	// if ctx ends keeps "recorded" and "returned" in step.
	err := <-p.err
	rec.Seq, rec.Hash = p.seq, p.hash
	return rec, err
}

// Close commits what is queued and stops the writer.
func (w *Writer) Close() error {
	w.closeOnce.Do(func() {
		w.mu.Lock()
		w.closed = true
		close(w.reqs)
		w.mu.Unlock()
		<-w.done
	})
	return nil
}

func (w *Writer) loop() {
	defer close(w.done)
	for first := range w.reqs {
		batch := []*pending{first}
	fill:
		for len(batch) < maxBatch {
			select {
			case p, ok := <-w.reqs:
				if !ok {
					break fill
				}
				batch = append(batch, p)
			default:
				break fill
			}
		}
		w.commit(batch)
	}
}

// commit stores a batch, one transaction per user in it.
func (w *Writer) commit(batch []*pending) {
	byUser := map[string][]*pending{}
	var order []string
	for _, p := range batch {
		if _, ok := byUser[p.rec.UserID]; !ok {
			order = append(order, p.rec.UserID)
		}
		byUser[p.rec.UserID] = append(byUser[p.rec.UserID], p)
	}
	for _, uid := range order {
		ps := byUser[uid]
		recs := make([]store.AuditRecord, len(ps))
		for i, p := range ps {
			recs[i] = p.rec
		}
		stored, err := w.st.User(uid).AppendAudit(context.Background(), recs, Hash)
		for i, p := range ps {
			if err == nil && i < len(stored) {
				p.seq, p.hash = stored[i].Seq, stored[i].Hash
			}
			if err != nil {
				err = fmt.Errorf("write audit record: %w", err)
			}
			p.err <- err
		}
	}
}
