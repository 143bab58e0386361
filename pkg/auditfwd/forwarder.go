package auditfwd

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mcpgate/mcpgate/pkg/audit"
	"github.com/mcpgate/mcpgate/pkg/store"
)

// LeaseName is the database lease the forwarding replica holds.
const LeaseName = "audit-forward"

// Sink delivers batches to one receiver. Send returns nil only once the
// receiver has taken the whole batch (as far as its protocol can tell);
// on an error the forwarder sends the same records again later, so a
// receiver may see a record twice, never a gap. Send is never called
// concurrently with itself; Close ends it.
type Sink interface {
	Name() string
	Send(ctx context.Context, b Batch) error
	Close() error
}

// Options configure a Forwarder.
type Options struct {
	Store   store.Store
	Keys    *audit.Keys
	Sinks   []Sink
	Holder  string        // this process's name in the lease
	Poll    time.Duration // how often to look for records (Kick wakes it earlier)
	Batch   int           // records per batch at most
	MinWait time.Duration // first retry delay after a failure
	MaxWait time.Duration // the retry delay doubles up to this
	Lease   time.Duration // how long the lease lasts unless renewed
	Metrics *Metrics
	Logger  *slog.Logger
}

// Forwarder forwards every user's audit records to its sinks.
type Forwarder struct {
	o      Options
	kicks  []chan struct{}
	leader atomic.Bool
}

// New returns a forwarder; Run starts it.
func New(o Options) *Forwarder {
	if o.Poll <= 0 {
		o.Poll = time.Second
	}
	if o.Batch <= 0 {
		o.Batch = 500
	}
	if o.MaxWait <= 0 {
		o.MaxWait = time.Minute
	}
	if o.MinWait <= 0 {
		o.MinWait = 500 * time.Millisecond
	}
	o.MinWait = min(o.MinWait, o.MaxWait)
	if o.Lease <= 0 {
		o.Lease = 15 * time.Second
	}
	if o.Metrics == nil {
		o.Metrics = NewMetrics(nil)
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	f := &Forwarder{o: o}
	for range o.Sinks {
		f.kicks = append(f.kicks, make(chan struct{}, 1))
	}
	return f
}

// Kick tells the forwarder that records were committed, so it need not
// wait for its next poll. It never blocks.
func (f *Forwarder) Kick() {
	for _, k := range f.kicks {
		select {
		case k <- struct{}{}:
		default:
		}
	}
}

// Run forwards until ctx ends, then gives the lease up and closes the
// sinks.
func (f *Forwarder) Run(ctx context.Context) {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); f.holdLease(ctx) }()
	for i, s := range f.o.Sinks {
		wg.Add(1)
		go func() { defer wg.Done(); f.runSink(ctx, s, f.kicks[i]) }()
	}
	wg.Wait()
	for _, s := range f.o.Sinks {
		_ = s.Close()
	}
}

// holdLease takes the lease and renews it at a third of its term; if it
// cannot, this process stops forwarding until it can.
func (f *Forwarder) holdLease(ctx context.Context) {
	t := time.NewTicker(f.o.Lease / 3)
	defer t.Stop()
	for {
		held, err := f.o.Store.TakeLease(ctx, LeaseName, f.o.Holder, time.Now(), f.o.Lease)
		if err != nil && ctx.Err() == nil {
			f.o.Logger.Warn("audit forwarding: take the lease", "err", err.Error())
		}
		if held && !f.leader.Load() {
			f.o.Logger.Info("audit forwarding: this process forwards", "holder", f.o.Holder)
			f.Kick()
		}
		f.leader.Store(held)
		f.o.Metrics.Leader.Set(map[bool]float64{true: 1}[held])
		select {
		case <-ctx.Done():
			f.leader.Store(false)
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			_ = f.o.Store.ReleaseLease(rctx, LeaseName, f.o.Holder)
			cancel()
			return
		case <-t.C:
		}
	}
}

func (f *Forwarder) runSink(ctx context.Context, s Sink, kick <-chan struct{}) {
	wait := time.Duration(0)
	var lastBacklog time.Time
	for {
		delay := f.o.Poll
		if wait > 0 {
			delay = wait
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-kick:
			if wait > 0 { // a failing sink waits its backoff out
				select {
				case <-ctx.Done():
					t.Stop()
					return
				case <-t.C:
				}
			}
		case <-t.C:
		}
		t.Stop()
		if !f.leader.Load() {
			continue
		}
		err := f.Drain(ctx, s)
		switch {
		case err == nil:
			wait = 0
		case ctx.Err() != nil:
			return
		default:
			f.o.Metrics.Failures.WithLabelValues(s.Name()).Inc()
			wait = min(max(2*wait, f.o.MinWait), f.o.MaxWait)
			f.o.Logger.Warn("audit forwarding: delivery failed; retrying", "sink", s.Name(), "retry_in", wait.String(), "err", err.Error())
		}
		if time.Since(lastBacklog) >= time.Second || err != nil {
			lastBacklog = time.Now()
			if n, err := Backlog(ctx, f.o.Store, s.Name()); err == nil {
				f.o.Metrics.Backlog.WithLabelValues(s.Name()).Set(float64(n))
			}
		}
	}
}

// Backlog counts the records of every user that sink has not forwarded.
func Backlog(ctx context.Context, st store.Store, sink string) (int64, error) {
	users, err := st.Privileged().ListUsers(ctx)
	if err != nil {
		return 0, fmt.Errorf("list users: %w", err)
	}
	var total int64
	for _, u := range users {
		n, err := st.User(u.ID).AuditBacklog(ctx, sink)
		if err != nil {
			return 0, err
		}
		total += n
	}
	return total, nil
}

// Drain sends batches to s until every user's records are sent or a
// send fails. A user whose chain does not verify is skipped (and
// logged): its records stay unsent, and its backlog grows.
func (f *Forwarder) Drain(ctx context.Context, s Sink) error {
	users, err := f.o.Store.Privileged().ListUsers(ctx)
	if err != nil {
		return fmt.Errorf("list users: %w", err)
	}
	broken := map[string]bool{}
	for {
		b, next, err := f.collect(ctx, s.Name(), users, broken)
		if err != nil {
			return err
		}
		if len(b.Records) == 0 {
			return nil
		}
		b.SentAt = time.Now().UTC()
		if err := s.Send(ctx, b); err != nil {
			return err
		}
		now := time.Now()
		for _, r := range b.Records {
			if t, err := time.Parse(time.RFC3339Nano, r.Time); err == nil {
				f.o.Metrics.Lag.WithLabelValues(s.Name()).Observe(now.Sub(t).Seconds())
			}
		}
		f.o.Metrics.Forwarded.WithLabelValues(s.Name()).Add(float64(len(b.Records)))
		// Delivered: record it even if ctx ends now, so that a stop
		// right after a delivery does not send it again.
		actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		err = f.advance(actx, s, next)
		cancel()
		if err != nil {
			return err
		}
	}
}

// advance moves the cursors past a delivered batch.
func (f *Forwarder) advance(ctx context.Context, s Sink, next []advance) error {
	for _, c := range next {
		err := f.o.Store.User(c.to.UserID).AdvanceAuditCursor(ctx, c.from, c.to)
		if errors.Is(err, store.ErrConflict) {
			f.o.Logger.Warn("audit forwarding: another process moved the cursor (two forwarders at once); records may be sent twice", "sink", s.Name(), "user", c.to.UserID)
			continue
		}
		if err != nil {
			return err
		}
	}
	return nil
}

type advance struct {
	from int64
	to   store.AuditCursor
}

// collect reads the next batch: each user's records after its cursor, in
// user order, up to the batch size, each one checked against the user's
// chain key and linked to the one before it (the cursor's, or the prune
// anchor's), with a checkpoint of each user's last one.
func (f *Forwarder) collect(ctx context.Context, sink string, users []store.User, broken map[string]bool) (Batch, []advance, error) {
	b := Batch{Format: BatchFormat, Records: []Record{}, Checkpoints: []audit.Checkpoint{}}
	var next []advance
	for _, u := range users {
		room := f.o.Batch - len(b.Records)
		if room <= 0 {
			break
		}
		if broken[u.ID] {
			continue
		}
		us := f.o.Store.User(u.ID)
		cur, err := us.AuditCursor(ctx, sink)
		if err != nil {
			return b, nil, err
		}
		recs, err := us.ListAudit(ctx, store.AuditFilter{AfterSeq: cur.Seq, Limit: room, Ascending: true})
		if err != nil {
			return b, nil, fmt.Errorf("read audit records: %w", err)
		}
		if len(recs) == 0 {
			continue
		}
		to, err := f.check(ctx, us, cur, recs)
		if err != nil {
			broken[u.ID] = true
			f.o.Logger.Error("audit forwarding: the user's chain does not verify; its records are held back (see `mcpgate audit verify`)",
				"sink", sink, "user", u.Name, "err", err.Error())
			continue
		}
		for _, r := range recs {
			b.Records = append(b.Records, newRecord(u, r))
		}
		ring, err := f.o.Keys.Ensure(ctx, u.ID)
		if err != nil {
			return b, nil, err
		}
		b.Checkpoints = append(b.Checkpoints, ring.Checkpoint(u, to.Seq, to.Hash, to.Count, time.Now()))
		next = append(next, advance{from: cur.Seq, to: to})
	}
	return b, next, nil
}

// check verifies recs as the continuation of the chain at cur and returns
// the cursor after them.
func (f *Forwarder) check(ctx context.Context, us store.UserStore, cur store.AuditCursor, recs []store.AuditRecord) (store.AuditCursor, error) {
	ring, err := f.o.Keys.Ensure(ctx, us.UserID())
	if err != nil {
		return cur, err
	}
	count := cur.Count
	if recs[0].PrevHash != cur.Hash || cur.Seq == 0 {
		// The first record sent, or records pruned before they were
		// sent: the chain continues from the prune anchor.
		anchor, err := us.AuditAnchor(ctx)
		if err != nil {
			return cur, err
		}
		if recs[0].PrevHash != anchor.Hash {
			return cur, &audit.Break{UserID: us.UserID(), Seq: recs[0].Seq, Reason: "it links neither to the last record forwarded nor to the prune anchor: records before it were deleted or changed"}
		}
		count = anchor.Pruned
	}
	prev := recs[0].PrevHash
	for _, r := range recs {
		if r.PrevHash != prev {
			return cur, &audit.Break{UserID: us.UserID(), Seq: r.Seq, Reason: "its link to the record before it is broken"}
		}
		if !ring.Valid(r) {
			return cur, &audit.Break{UserID: us.UserID(), Seq: r.Seq, Reason: "its keyed hash does not verify: it was changed"}
		}
		prev = r.Hash
		count++
	}
	last := recs[len(recs)-1]
	return store.AuditCursor{UserID: us.UserID(), Sink: cur.Sink, Seq: last.Seq, Hash: last.Hash, Count: count}, nil
}
