package guard

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"
)

// mustCompile compiles a policy a test relies on.
func mustCompile(t *testing.T, doc string) *Policy {
	t.Helper()
	p, err := Compile([]byte(doc))
	if err != nil {
		t.Fatalf("Compile: %v", err)
	}
	return p
}

// fakeCounter is an in-memory RateCounter with the store's contract.
type fakeCounter struct {
	mu     sync.Mutex
	counts map[string]int
	err    error
}

func newFakeCounter() *fakeCounter { return &fakeCounter{counts: map[string]int{}} }

func (f *fakeCounter) count(_ context.Context, userID, keyID, ruleID string, windowStart time.Time, limit int) (int, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return 0, false, f.err
	}
	k := fmt.Sprintf("%s|%s|%s|%s", userID, keyID, ruleID, windowStart.Format(time.RFC3339))
	if f.counts[k] >= limit {
		return f.counts[k], false, nil
	}
	f.counts[k]++
	return f.counts[k], true, nil
}

// fakeClock is a clock a test moves by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// engineFor returns an Engine that applies p, as every key's own policy,
// to every key.
func engineFor(p *Policy, counter *fakeCounter, clock *fakeClock) *Engine {
	return layeredEngine(Effective{Key: p}, counter, clock)
}

// layeredEngine returns an Engine that applies eff to every key.
func layeredEngine(eff Effective, counter *fakeCounter, clock *fakeClock) *Engine {
	load := func(context.Context, string, string) (Effective, error) { return eff, nil }
	var rc RateCounter
	if counter != nil {
		rc = counter.count
	}
	opts := Options{}
	if clock != nil {
		opts.Now = clock.Now
	}
	return New(load, rc, opts)
}

// argsOf decodes a call's arguments as the gateway hands them to the
// guard: the canonical JSON object, numbers as float64.
func argsOf(raw string) map[string]any {
	var m map[string]any
	if err := json.Unmarshal([]byte(raw), &m); err != nil {
		panic("argsOf: " + err.Error())
	}
	return m
}
