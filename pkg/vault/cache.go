package vault

import (
	"crypto/cipher"
	"sync"
	"time"
)

// dekCache keeps unwrapped DEKs for a bounded time and count, and makes
// concurrent misses for one user share a single unwrap (which may be a KMS
// call).
type dekCache struct {
	ttl  time.Duration
	size int

	mu       sync.Mutex
	entries  map[string]dekEntry
	inflight map[string]*flight
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
	return &dekCache{ttl: ttl, size: size, entries: map[string]dekEntry{}, inflight: map[string]*flight{}}
}

func (c *dekCache) get(userID string, load func() (cipher.AEAD, int, error)) (cipher.AEAD, int, error) {
	c.mu.Lock()
	if e, ok := c.entries[userID]; ok && time.Now().Before(e.expires) {
		c.mu.Unlock()
		return e.aead, e.version, nil
	}
	if f, ok := c.inflight[userID]; ok {
		c.mu.Unlock()
		<-f.done
		return f.aead, f.version, f.err
	}
	f := &flight{done: make(chan struct{})}
	c.inflight[userID] = f
	c.mu.Unlock()

	f.aead, f.version, f.err = load()

	c.mu.Lock()
	delete(c.inflight, userID)
	if f.err == nil {
		if len(c.entries) >= c.size {
			c.evictLocked()
		}
		c.entries[userID] = dekEntry{aead: f.aead, version: f.version, expires: time.Now().Add(c.ttl)}
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

func (c *dekCache) forget(userID string) {
	c.mu.Lock()
	delete(c.entries, userID)
	c.mu.Unlock()
}
