package snapshot_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/mcpgate/mcpgate/pkg/snapshot"
	"github.com/mcpgate/mcpgate/pkg/store"
)

// slowGen is a store whose generation reads are counted, and the first of
// which, once it has its number, waits for hold to close before
// returning it: a read that took the number just before a change.
type slowGen struct {
	store.Store
	mu    sync.Mutex
	reads int
	took  chan struct{} // closed when the first read has its number
	hold  chan struct{}
	delay time.Duration
}

func (s *slowGen) Generation(ctx context.Context) (int64, error) {
	n, err := s.Store.Generation(ctx)
	s.mu.Lock()
	s.reads++
	first := s.reads == 1
	s.mu.Unlock()
	if first && s.hold != nil {
		close(s.took)
		<-s.hold
	}
	time.Sleep(s.delay)
	return n, err
}

func TestSnapshotAnAtDuringAReadStillSeesAChangeCommittedBeforeIt(t *testing.T) {
	eachDriver(t, func(t *testing.T, open func(*testing.T) store.Store) {
		db := open(t)
		seed(t, db, "desktop")
		st := &slowGen{Store: db, took: make(chan struct{}), hold: make(chan struct{})}
		c := snapshot.New(st, nil)
		first := make(chan *snapshot.Snapshot)
		go func() {
			s, _ := c.At(context.Background())
			first <- s
		}()
		<-st.took // the first At's read has the number from before the change
		must(t, db.User("u_a").PutPolicy(t.Context(), store.Policy{UserID: "u_a", KeyID: "k_1", Body: "version: 1\nread_only: true\n", UpdatedAt: time.Now()}))
		later := make(chan *snapshot.Snapshot)
		go func() {
			s, _ := c.At(context.Background())
			later <- s
		}()
		time.Sleep(50 * time.Millisecond) // the later At is waiting now
		close(st.hold)
		before, after := <-first, <-later
		if after == nil || before == nil || after.Generation() <= before.Generation() {
			t.Fatalf("an At that began after the change got generation %d, the one before it %d", after.Generation(), before.Generation())
		}
	})
}

func TestSnapshotConcurrentAtsShareGenerationReads(t *testing.T) {
	eachDriver(t, func(t *testing.T, open func(*testing.T) store.Store) {
		st := &slowGen{Store: open(t), delay: 10 * time.Millisecond}
		c := snapshot.New(st, nil)
		var wg sync.WaitGroup
		for range 50 {
			wg.Go(func() {
				if _, err := c.At(context.Background()); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		st.mu.Lock()
		defer st.mu.Unlock()
		if st.reads >= 25 {
			t.Errorf("50 concurrent Ats read the generation %d times", st.reads)
		}
		t.Logf("50 concurrent Ats, %d generation reads", st.reads)
	})
}
