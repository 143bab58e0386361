package apikey

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mcpgate/mcpgate/pkg/store"
)

// keyTable is a Lookup over a map, standing in for store.Privileged.APIKey
// until a driver exists in this checkout; it follows the same contract.
type keyTable struct {
	mu      sync.Mutex
	keys    map[string]store.APIKey
	lookups atomic.Int64
	err     error // returned for every lookup when set
}

func (kt *keyTable) lookup(_ context.Context, id string) (store.APIKey, error) {
	kt.lookups.Add(1)
	kt.mu.Lock()
	defer kt.mu.Unlock()
	if kt.err != nil {
		return store.APIKey{}, kt.err
	}
	k, ok := kt.keys[id]
	if !ok {
		return store.APIKey{}, fmt.Errorf("api key %s: %w", id, store.ErrNotFound)
	}
	return k, nil
}

func (kt *keyTable) update(id string, f func(*store.APIKey)) {
	kt.mu.Lock()
	defer kt.mu.Unlock()
	k := kt.keys[id]
	f(&k)
	kt.keys[id] = k
}

// add creates a key hashed with cheap parameters and returns the raw key.
func (kt *keyTable) add(t testing.TB) (raw, id string) {
	t.Helper()
	r, id, err := Generate()
	if err != nil {
		t.Fatal(err)
	}
	kt.mu.Lock()
	defer kt.mu.Unlock()
	if kt.keys == nil {
		kt.keys = map[string]store.APIKey{}
	}
	kt.keys[id] = store.APIKey{ID: id, UserID: "u1", Name: "laptop", Hash: cheapHash(t, r.Reveal())}
	return r.Reveal(), id
}

func cheapHash(t testing.TB, raw string) string {
	t.Helper()
	_, sec, err := Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	phc, err := hashWith(cheap, sec)
	if err != nil {
		t.Fatal(err)
	}
	return phc
}

// probe counts Argon2id runs and the most that ran at once.
type probe struct {
	calls, inFlight, maxInFlight atomic.Int64
	hold                         time.Duration
}

func (p *probe) install(v *Verifier) {
	v.verifyHash = func(phc string, sec []byte) (bool, error) {
		p.calls.Add(1)
		n := p.inFlight.Add(1)
		defer p.inFlight.Add(-1)
		for {
			m := p.maxInFlight.Load()
			if n <= m || p.maxInFlight.CompareAndSwap(m, n) {
				break
			}
		}
		time.Sleep(p.hold)
		return Verify(phc, sec)
	}
}

// clock is a settable time source for the cache TTL and the limiter.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func newTestVerifier(opts Options) (*Verifier, *keyTable, *probe, *clock) {
	kt := &keyTable{keys: map[string]store.APIKey{}}
	v := NewVerifier(kt.lookup, opts)
	// The dummy hash costs what the test keys' cheap hashes cost, as the
	// real one costs what real keys' hashes cost.
	v.dummyHash = phcString(cheap, make([]byte, cheap.saltLen), make([]byte, cheap.keyLen))
	p := &probe{}
	p.install(v)
	c := &clock{t: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}
	v.now = c.now
	return v, kt, p, c
}

// wrongSecret returns a well-formed key for id whose secret is not the
// stored one.
func wrongSecret(t testing.TB, id string) string {
	t.Helper()
	r, err := Regenerate(id)
	if err != nil {
		t.Fatal(err)
	}
	return r.Reveal()
}

func TestVerifierAcceptsRightKeyAndCachesIt(t *testing.T) {
	t.Parallel()
	v, kt, p, _ := newTestVerifier(Options{})
	raw, id := kt.add(t)
	for i := range 3 {
		k, err := v.Verify(context.Background(), raw, "10.0.0.1:5000")
		if err != nil {
			t.Fatalf("call %d: Verify = %v, want nil", i, err)
		}
		if k.ID != id || k.Name != "laptop" {
			t.Errorf("call %d: got key %q %q, want %q laptop", i, k.ID, k.Name, id)
		}
	}
	if got := p.calls.Load(); got != 1 {
		t.Errorf("Argon2id ran %d times for three verifications, want 1 (then cache hits)", got)
	}
	if got := kt.lookups.Load(); got != 3 {
		t.Errorf("store lookups = %d, want 3: one per request", got)
	}
}

func TestVerifierRefusesWithOneError(t *testing.T) {
	t.Parallel()
	v, kt, p, _ := newTestVerifier(Options{})
	raw, id := kt.add(t)
	revokedRaw, revokedID := kt.add(t)
	kt.update(revokedID, func(k *store.APIKey) { k.RevokedAt = time.Now() })
	unknown, _, _ := Generate()
	// A one-character typo in the checksum; the replacement must differ
	// from what it replaces, or one run in 62 tests the right key.
	typo := raw[:69] + "x"
	if raw[69] == 'x' {
		typo = raw[:69] + "y"
	}

	tests := []struct {
		name         string
		raw          string
		wantArgon2id bool // whether the refusal paid for Argon2id
	}{
		{"malformed", "mgw_nonsense", false},
		{"empty", "", false},
		{"typo", typo, false},
		{"unknown id", unknown.Reveal(), true},
		{"revoked", revokedRaw, true},
		{"wrong secret for a known id", wrongSecret(t, id), true},
	}
	for _, tt := range tests {
		before := p.calls.Load()
		_, err := v.Verify(context.Background(), tt.raw, "10.0.0.2")
		if err != ErrInvalid {
			t.Errorf("%s: Verify error = %v, want exactly ErrInvalid", tt.name, err)
		}
		if ran := p.calls.Load() > before; ran != tt.wantArgon2id {
			t.Errorf("%s: Argon2id ran = %v, want %v", tt.name, ran, tt.wantArgon2id)
		}
	}
}

func TestVerifierSkipsLookupForMalformedKeys(t *testing.T) {
	t.Parallel()
	v, kt, _, _ := newTestVerifier(Options{})
	raw, _ := kt.add(t)
	if _, err := v.Verify(context.Background(), raw[:60], "10.0.0.3"); err != ErrInvalid {
		t.Fatalf("Verify = %v, want ErrInvalid", err)
	}
	if n := kt.lookups.Load(); n != 0 {
		t.Errorf("store lookups = %d for a malformed key, want 0", n)
	}
}

func TestVerifierRefusesRevokedKeyEvenWhenCached(t *testing.T) {
	t.Parallel()
	v, kt, p, _ := newTestVerifier(Options{})
	raw, id := kt.add(t)
	if _, err := v.Verify(context.Background(), raw, "10.0.0.4"); err != nil {
		t.Fatalf("before revoking: Verify = %v, want nil", err)
	}
	kt.update(id, func(k *store.APIKey) { k.RevokedAt = time.Now() })
	if _, err := v.Verify(context.Background(), raw, "10.0.0.4"); err != ErrInvalid {
		t.Errorf("next request after revoking: Verify = %v, want ErrInvalid", err)
	}
	// The refusal runs Argon2id against the dummy hash, so that it takes
	// as long as a wrong secret's.
	if got := p.calls.Load(); got != 2 {
		t.Errorf("Argon2id runs = %d, want 2 (the first check, then the dummy)", got)
	}
}

func TestVerifierRefusesOldSecretAfterRegenerate(t *testing.T) {
	t.Parallel()
	v, kt, p, _ := newTestVerifier(Options{})
	oldRaw, id := kt.add(t)
	if _, err := v.Verify(context.Background(), oldRaw, "10.0.0.5"); err != nil {
		t.Fatalf("before regenerating: Verify = %v, want nil", err)
	}
	newRaw := wrongSecret(t, id)
	kt.update(id, func(k *store.APIKey) { k.Hash = cheapHash(t, newRaw) })

	if _, err := v.Verify(context.Background(), oldRaw, "10.0.0.5"); err != ErrInvalid {
		t.Errorf("old key on the next request: Verify = %v, want ErrInvalid", err)
	}
	if _, err := v.Verify(context.Background(), newRaw, "10.0.0.5"); err != nil {
		t.Errorf("new key: Verify = %v, want nil", err)
	}
	if _, err := v.Verify(context.Background(), newRaw, "10.0.0.5"); err != nil {
		t.Errorf("new key again: Verify = %v, want nil", err)
	}
	// 1 for the old key, 1 for the old key against the new hash, 1 for the
	// new key; the last call is a cache hit.
	if got := p.calls.Load(); got != 3 {
		t.Errorf("Argon2id runs = %d, want 3", got)
	}
}

func TestVerifierCacheEntriesExpire(t *testing.T) {
	t.Parallel()
	v, kt, p, c := newTestVerifier(Options{CacheTTL: time.Minute})
	raw, _ := kt.add(t)
	for _, step := range []time.Duration{0, 30 * time.Second, 31 * time.Second, time.Second} {
		c.advance(step)
		if _, err := v.Verify(context.Background(), raw, "10.0.0.6"); err != nil {
			t.Fatalf("Verify = %v, want nil", err)
		}
	}
	// t=0 runs, t=30s hits, t=61s has expired (hits do not extend) and runs,
	// t=62s hits the fresh entry.
	if got := p.calls.Load(); got != 2 {
		t.Errorf("Argon2id runs = %d, want 2", got)
	}
}

func TestVerifierCacheIsBounded(t *testing.T) {
	t.Parallel()
	v, kt, p, _ := newTestVerifier(Options{CacheSize: 2})
	a, _ := kt.add(t)
	b, _ := kt.add(t)
	c, _ := kt.add(t)
	for _, raw := range []string{a, b, a, c, a, b} {
		if _, err := v.Verify(context.Background(), raw, "10.0.0.7"); err != nil {
			t.Fatalf("Verify = %v, want nil", err)
		}
	}
	// a, b run; a hits; c runs and evicts b (least recently used); a hits;
	// b runs again.
	if got := p.calls.Load(); got != 4 {
		t.Errorf("Argon2id runs = %d, want 4", got)
	}
	if n := v.cache.len(); n != 2 {
		t.Errorf("cache holds %d entries, want 2", n)
	}
}

func TestVerifierBoundsConcurrentArgon2id(t *testing.T) {
	t.Parallel()
	const limit, attackers = 3, 50
	v, kt, p, _ := newTestVerifier(Options{MaxConcurrentHashes: limit, FailureBurst: 1000})
	p.hold = 5 * time.Millisecond // make overlap certain if the bound leaked
	_, id := kt.add(t)
	keys := make([]string, attackers)
	for i := range keys {
		keys[i] = wrongSecret(t, id)
	}
	var wg sync.WaitGroup
	errs := make(chan error, attackers)
	for _, raw := range keys {
		wg.Go(func() {
			_, err := v.Verify(context.Background(), raw, "10.0.0.8")
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != ErrInvalid {
			t.Errorf("Verify = %v, want ErrInvalid", err)
		}
	}
	if got := p.calls.Load(); got != attackers {
		t.Errorf("Argon2id runs = %d, want %d", got, attackers)
	}
	if got := p.maxInFlight.Load(); got > limit {
		t.Errorf("up to %d Argon2id ran at once, want at most %d", got, limit)
	}
}

func TestVerifierRightKeyBurstChecksOnce(t *testing.T) {
	t.Parallel()
	// One slot and a budget of one failure: thirty concurrent first requests
	// with the right key must neither run Argon2id thirty times nor spend
	// the address's failure budget.
	v, kt, p, _ := newTestVerifier(Options{MaxConcurrentHashes: 1, FailureBurst: 1})
	p.hold = 5 * time.Millisecond
	raw, _ := kt.add(t)
	var wg sync.WaitGroup
	var failed atomic.Int64
	for range 30 {
		wg.Go(func() {
			if _, err := v.Verify(context.Background(), raw, "10.0.0.9"); err != nil {
				failed.Add(1)
			}
		})
	}
	wg.Wait()
	if n := failed.Load(); n != 0 {
		t.Errorf("%d of 30 concurrent right-key requests failed, want 0", n)
	}
	if got := p.calls.Load(); got != 1 {
		t.Errorf("Argon2id runs = %d, want 1", got)
	}
}
