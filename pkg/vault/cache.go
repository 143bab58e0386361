package vault

import (
	"crypto/cipher"
	"sync"
	"time"
)

// dekCache keeps unwrapped DEKs for a bounded time and count, and makes
// concurrent misses for one user share a single unwrap (which may be a KMS
// call).
// currentTTL bounds how long "the user's current DEK" is cached, so that
// a DEK rotation run by another process is followed within it.
const currentTTL = 30 * time.Second

type dekCache struct {
	ttl  time.Duration
	size int

	mu       sync.Mutex
	entries  map[cacheKey]dekEntry
	inflight map[cacheKey]*flight
}

// cacheKey names one DEK version of a user; version 0 is "the current
// one", which a rotation changes, so it is cached for the TTL only.
type cacheKey struct {
	userID  string
	version int
}

type dekEntry struct {
	aead    cipher.AEAD
	version int
	expires time.Time
}

type flight struct {
	done    chan struct{}
	aead    cipher.AEAD
	version int
	err     error
}

func newDEKCache(ttl time.Duration, size int) *dekCache {
	return &dekCache{ttl: ttl, size: size, entries: map[cacheKey]dekEntry{}, inflight: map[cacheKey]*flight{}}
}

func (c *dekCache) get(key cacheKey, load func() (cipher.AEAD, int, error)) (cipher.AEAD, int, error) {
	c.mu.Lock()
	if e, ok := c.entries[key]; ok && time.Now().Before(e.expires) {
		c.mu.Unlock()
		return e.aead, e.version, nil
	}
	if f, ok := c.inflight[key]; ok {
		c.mu.Unlock()
		<-f.done
		return f.aead, f.version, f.err
	}
	f := &flight{done: make(chan struct{})}
	c.inflight[key] = f
	c.mu.Unlock()

	f.aead, f.version, f.err = load()

	c.mu.Lock()
	delete(c.inflight, key)
	if f.err == nil {
		if len(c.entries) >= c.size {
			c.evictLocked()
		}
		ttl := c.ttl
		if key.version == 0 && ttl > currentTTL {
			// "Current" changes when another process rotates the DEK.
			ttl = currentTTL
		}
		c.entries[key] = dekEntry{aead: f.aead, version: f.version, expires: time.Now().Add(ttl)}
	}
	c.mu.Unlock()
	close(f.done)
	return f.aead, f.version, f.err
}

// evictLocked drops expired entries, or an arbitrary one if none expired.
func (c *dekCache) evictLocked() {
	now := time.Now()
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
	c.mu.Unlock()
}
