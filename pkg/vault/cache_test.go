package vault_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mcpgate/mcpgate/pkg/keyprovider"
	"github.com/mcpgate/mcpgate/pkg/vault"
)

// countingKEK counts the unwraps it is asked for; each takes a while, so
// that concurrent misses overlap.
type countingKEK struct {
	keyprovider.Provider
	unwraps atomic.Int64
}

func (c *countingKEK) Unwrap(ctx context.Context, wrapped, aad []byte) ([]byte, error) {
	c.unwraps.Add(1)
	time.Sleep(100 * time.Millisecond)
	return c.Provider.Unwrap(ctx, wrapped, aad)
}

var _ keyprovider.Provider = (*countingKEK)(nil)

// fakeClock is a time the test moves by hand.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// TestDEKCacheUnwrapsOncePerLifetime: concurrent opens on a cold cache share
// one unwrap; the DEK is then kept exactly 5 minutes, so an open just
// before that costs no unwrap and one just after costs exactly one.
func TestDEKCacheUnwrapsOncePerLifetime(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	sealed, _, err := f.v.Seal(ctx, f.alice, vault.PurposeCredential, "c1", []byte(canary))
	if err != nil {
		t.Fatal(err)
	}
	kek := &countingKEK{Provider: f.kp}
	clock := &fakeClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	v := vault.New(f.st, kek, vault.Options{Registry: f.reg, Now: clock.Now})
	open := func() {
		t.Helper()
		if got, err := v.Open(ctx, f.alice, vault.PurposeCredential, "c1", sealed); err != nil || got.Reveal() != canary {
			t.Fatalf("open: %v", err)
		}
	}

	const n = 32
	start := make(chan struct{})
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			if _, err := v.Open(ctx, f.alice, vault.PurposeCredential, "c1", sealed); err != nil {
				t.Error(err)
			}
		}()
	}
	close(start)
	wg.Wait()
	if got := kek.unwraps.Load(); got != 1 {
		t.Fatalf("%d concurrent opens on a cold cache made %d unwraps, want 1", n, got)
	}

	clock.advance(5*time.Minute - time.Second)
	open()
	if got := kek.unwraps.Load(); got != 1 {
		t.Fatalf("an open 1s before the DEK's 5 minutes are up made %d unwraps in all, want 1", got)
	}
	clock.advance(2 * time.Second)
	open()
	if got := kek.unwraps.Load(); got != 2 {
		t.Fatalf("an open 1s after the DEK's 5 minutes are up made %d unwraps in all, want 2", got)
	}
	open()
	if got := kek.unwraps.Load(); got != 2 {
		t.Fatalf("an open right after the refresh made %d unwraps in all, want 2", got)
	}
}
