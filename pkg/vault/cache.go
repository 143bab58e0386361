package vault

import (
	"crypto/cipher"
	"sync"
	"time"
)

// dekCache keeps unwrapped DEKs for a bounded time and count, and makes
// concurrent misses for one version share a single unwrap (which may be a
// KMS call). It also remembers which version is each user's current one,
// together with the store's generation it was read at: a rotation run by
// another process adds or deletes a version, which moves the generation,
// so a seal reads the current version again before it uses a stale one.
type dekCache struct {
	ttl  time.Duration
	size int
	now  func() time.Time

	mu       sync.Mutex
	entries  map[cacheKey]dekEntry
	inflight map[cacheKey]*flight
	current  map[string]currentEntry
}

// currentTTL bounds how long "the user's current version" is trusted even
// while the generation stays put.
const currentTTL = 30 * time.Second

// cacheKey names one DEK version of a user.
type cacheKey struct {
	userID  string
	version int
}

type dekEntry struct {
	aead    cipher.AEAD
	expires time.Time
}

// currentEntry is the user's current version as read at generation gen.
type currentEntry struct {
	version int
	gen     int64
	expires time.Time
}

type flight struct {
	done chan struct{}
	aead cipher.AEAD
	err  error
}

func newDEKCache(ttl time.Duration, size int, now func() time.Time) *dekCache {
	return &dekCache{ttl: ttl, size: size, now: now, entries: map[cacheKey]dekEntry{}, inflight: map[cacheKey]*flight{},
		current: map[string]currentEntry{}}
}

func (c *dekCache) get(key cacheKey, load func() (cipher.AEAD, error)) (cipher.AEAD, error) {
	c.mu.Lock()
	if e, ok := c.entries[key]; ok && c.now().Before(e.expires) {
		c.mu.Unlock()
		return e.aead, nil
	}
	if f, ok := c.inflight[key]; ok {
		c.mu.Unlock()
		<-f.done
		return f.aead, f.err
	}
	f := &flight{done: make(chan struct{})}
	c.inflight[key] = f
	c.mu.Unlock()

	f.aead, f.err = load()

	c.mu.Lock()
	delete(c.inflight, key)
	if f.err == nil {
		if len(c.entries) >= c.size {
			c.evictLocked()
		}
		c.entries[key] = dekEntry{aead: f.aead, expires: c.now().Add(c.ttl)}
	}
	c.mu.Unlock()
	close(f.done)
	return f.aead, f.err
}

// currentVersion returns the user's current version if it was read at
// generation gen and recently enough.
func (c *dekCache) currentVersion(userID string, gen int64) (int, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.current[userID]
	if !ok || e.gen != gen || !c.now().Before(e.expires) {
		return 0, false
	}
	return e.version, true
}

func (c *dekCache) setCurrent(userID string, version int, gen int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.current) >= c.size {
		clear(c.current)
	}
	c.current[userID] = currentEntry{version: version, gen: gen, expires: c.now().Add(currentTTL)}
}

// forgetCurrent makes the next seal for userID read its current version.
func (c *dekCache) forgetCurrent(userID string) {
	c.mu.Lock()
	delete(c.current, userID)
	c.mu.Unlock()
}

// evictLocked drops expired entries, or an arbitrary one if none expired.
func (c *dekCache) evictLocked() {
	now := c.now()
	for k, e := range c.entries {
		if now.After(e.expires) {
			delete(c.entries, k)
		}
	}
	for k := range c.entries {
		if len(c.entries) < c.size {
			return
		}
		delete(c.entries, k)
	}
}

// forget drops every cached version of userID's DEK.
func (c *dekCache) forget(userID string) {
	c.mu.Lock()
	for k := range c.entries {
		if k.userID == userID {
			delete(c.entries, k)
		}
	}
	delete(c.current, userID)
	c.mu.Unlock()
}
