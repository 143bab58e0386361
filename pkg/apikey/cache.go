package apikey

import (
	"container/list"
	"crypto/hmac"
	"sync"
	"time"
)

// cacheKey names one stored hash of one key. Because the stored hash is part
// of it, regenerating a key (which stores a new hash) makes every entry for
// the old secret unreachable at once, with no invalidation message needed.
type cacheKey struct {
	id   string
	hash string
}

type cacheEntry struct {
	key     cacheKey
	mac     [32]byte // HMAC-SHA256 of the verified secret; see Verifier.mac
	expires time.Time
}

// verifiedCache remembers secrets that passed Argon2id, as a fast keyed hash,
// so the next request with the same key costs an HMAC instead of ~20 ms and
// 19 MiB. It is an LRU bounded in entries, and each entry lives at most ttl
// from the Argon2id run that created it: a hit does not extend it, so the
// secret's HMAC does not stay in memory forever for a busy key.
type verifiedCache struct {
	mu    sync.Mutex
	max   int
	ttl   time.Duration
	ll    *list.List // front is most recently used; values are *cacheEntry
	items map[cacheKey]*list.Element
}

func newVerifiedCache(max int, ttl time.Duration) *verifiedCache {
	return &verifiedCache{max: max, ttl: ttl, ll: list.New(), items: map[cacheKey]*list.Element{}}
}

// match reports whether k has a live entry whose MAC equals mac, compared in
// constant time. A mismatch leaves the entry alone: a flood of wrong secrets
// for a known id must not evict the right one and force Argon2id work.
func (c *verifiedCache) match(k cacheKey, mac [32]byte, now time.Time) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.items[k]
	if !ok {
		return false
	}
	e := el.Value.(*cacheEntry)
	if !now.Before(e.expires) {
		c.removeElement(el)
		return false
	}
	if !hmac.Equal(e.mac[:], mac[:]) {
		return false
	}
	c.ll.MoveToFront(el)
	return true
}

func (c *verifiedCache) add(k cacheKey, mac [32]byte, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[k]; ok {
		e := el.Value.(*cacheEntry)
		e.mac, e.expires = mac, now.Add(c.ttl)
		c.ll.MoveToFront(el)
		return
	}
	c.items[k] = c.ll.PushFront(&cacheEntry{key: k, mac: mac, expires: now.Add(c.ttl)})
	for c.ll.Len() > c.max {
		c.removeElement(c.ll.Back())
	}
}

func (c *verifiedCache) remove(k cacheKey) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[k]; ok {
		c.removeElement(el)
	}
}

func (c *verifiedCache) removeElement(el *list.Element) {
	c.ll.Remove(el)
	delete(c.items, el.Value.(*cacheEntry).key)
}

func (c *verifiedCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ll.Len()
}
