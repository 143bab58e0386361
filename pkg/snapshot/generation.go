package snapshot

import "context"

// genRead is one read of the store's generation, shared by every At that
// arrived before it started.
type genRead struct {
	done chan struct{}
	gen  int64
	err  error
}

// generation reads the store's generation for an At. Concurrent Ats share
// reads: while one read runs, the Ats arriving wait for the next read,
// which starts once it ends, and all of them take that next read's
// number. Each At is so given a number read after it arrived, as if it
// had read the number itself: a change committed before an At began is
// seen by it, which is what Cache promises. Under load this is one read
// per round trip instead of one per request.
func (c *Cache) generation(ctx context.Context) (int64, error) {
	c.gmu.Lock()
	if c.reading {
		next := c.next
		if next == nil {
			next = &genRead{done: make(chan struct{})}
			c.next = next
		}
		c.gmu.Unlock()
		select {
		case <-next.done:
			return next.gen, next.err
		case <-ctx.Done():
			return 0, ctx.Err()
		}
	}
	c.reading = true
	c.gmu.Unlock()
	gen, err := c.st.Generation(ctx)
	c.handOff(context.WithoutCancel(ctx))
	return gen, err
}

// handOff starts the read that the Ats which arrived during the last one
// wait for, if any did, in a goroutine of its own so that the At that
// made the last read returns at once; else it marks that no read runs.
// ctx carries no cancellation: one caller's must not fail the others'.
func (c *Cache) handOff(ctx context.Context) {
	c.gmu.Lock()
	next := c.next
	c.next = nil
	if next == nil {
		c.reading = false
		c.gmu.Unlock()
		return
	}
	c.gmu.Unlock()
	go func() {
		next.gen, next.err = c.st.Generation(ctx)
		close(next.done)
		c.handOff(ctx)
	}()
}
