package apikey

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"time"

	"github.com/mcpgate/mcpgate/pkg/store"
)

// Lookup finds a key record by its public id. It must return an error
// wrapping store.ErrNotFound for an unknown id; any other error is treated
// as the store being unavailable. It is called on every Verify, so it should
// be one indexed read (store.Privileged.APIKey is one). It must be safe for
// concurrent use.
type Lookup func(ctx context.Context, keyID string) (store.APIKey, error)

// Options tune a Verifier. The zero value of each field means its default.
type Options struct {
	// MaxConcurrentHashes bounds how many Argon2id computations run at once,
	// and so the memory they hold (19 MiB each). Default 2.
	MaxConcurrentHashes int
	// FailuresPerMinute and FailureBurst shape the per-address failure
	// budget: a client may fail FailureBurst times at once, then
	// FailuresPerMinute times a minute. Defaults 10 and 20.
	FailuresPerMinute float64
	FailureBurst      int
	// MaxTrackedAddresses bounds the failure limiter's memory. Default 10000.
	MaxTrackedAddresses int
	// CacheSize and CacheTTL bound the cache of verified keys. Defaults
	// 10000 entries and 10 minutes.
	CacheSize int
	CacheTTL  time.Duration
}

func (o Options) withDefaults() Options {
	if o.MaxConcurrentHashes <= 0 {
		o.MaxConcurrentHashes = 2
	}
	if o.FailuresPerMinute <= 0 {
		o.FailuresPerMinute = 10
	}
	if o.FailureBurst <= 0 {
		o.FailureBurst = 20
	}
	if o.MaxTrackedAddresses <= 0 {
		o.MaxTrackedAddresses = 10000
	}
	if o.CacheSize <= 0 {
		o.CacheSize = 10000
	}
	if o.CacheTTL <= 0 {
		o.CacheTTL = 10 * time.Minute
	}
	return o
}

// Verifier checks presented keys on the request path. It is safe for
// concurrent use.
type Verifier struct {
	lookup  Lookup
	sem     chan struct{} // one slot per Argon2id computation allowed at once
	cache   *verifiedCache
	limiter *failureLimiter
	// macKey keys the cache's HMAC. It is drawn per process, so a memory dump
	// of one process says nothing that another process could check against.
	macKey [32]byte

	// dummyHash is what a key with no usable stored hash (unknown id,
	// revoked) is checked against, so that its refusal costs what a wrong
	// secret's does. Its parameters are the ones Hash uses.
	dummyHash string

	// Seams for tests: the slow hash check and the clock.
	verifyHash func(phc string, secret []byte) (bool, error)
	now        func() time.Time
}

// NewVerifier returns a Verifier that finds keys with lookup.
func NewVerifier(lookup Lookup, opts Options) *Verifier {
	o := opts.withDefaults()
	v := &Verifier{
		lookup:     lookup,
		sem:        make(chan struct{}, o.MaxConcurrentHashes),
		cache:      newVerifiedCache(o.CacheSize, o.CacheTTL),
		limiter:    newFailureLimiter(o.FailuresPerMinute, o.FailureBurst, o.MaxTrackedAddresses),
		dummyHash:  dummyHash,
		verifyHash: Verify,
		now:        time.Now,
	}
	// crypto/rand.Read never fails on supported platforms (it crashes the
	// program instead), so there is no error for NewVerifier to return.
	_, _ = rand.Read(v.macKey[:])
	return v
}

// Verify authenticates raw, presented by clientAddr (an IP, or host:port as
// in http.Request.RemoteAddr), and returns the key's record.
//
// It returns ErrInvalid for every key that does not authenticate — malformed,
// unknown, revoked, regenerated or wrong — and ErrRateLimited when
// clientAddr has failed too often and the key would need an Argon2id check;
// callers map both to a 401 (or 429) without further detail. Any other error
// is the server's fault: the store failed, ctx ended while waiting for an
// Argon2id slot, or the stored hash is unusable (ErrBadHash).
//
// Every well-formed key that is not already in the cache costs one Argon2id
// run, under the same concurrency bound and failure budget, whether its id
// exists or not and whether it is revoked or not (unknown and revoked keys
// are checked against a dummy hash), so the time of a refusal does not tell
// which ids exist. A key found in the cache is never refused by the failure
// budget: failures from an address throttle only the expensive work, not
// the clients behind the same address whose keys are already verified.
//
// The record is read on every call, so a revocation or regeneration takes
// effect on the next request, cache or not. Only the Argon2id check is
// cached, and its cache entry is tied to the stored hash.
func (v *Verifier) Verify(ctx context.Context, raw string, clientAddr string) (store.APIKey, error) {
	addr := limitKey(clientAddr)
	id, sec, err := Parse(raw)
	if err != nil {
		// Refused without a lookup or Argon2id: the format and checksum are
		// public, so a garbled key reveals nothing by being fast. It still
		// counts against the address.
		v.limiter.fail(addr, v.now())
		return store.APIKey{}, ErrInvalid
	}
	k, err := v.lookup(ctx, id)
	known := true
	switch {
	case errors.Is(err, store.ErrNotFound):
		known = false
	case err != nil:
		return store.APIKey{}, fmt.Errorf("look up api key %s: %w", id, err)
	}
	ck := cacheKey{id: id, hash: k.Hash}
	// The id check guards against a Lookup that returns some other row:
	// that row's hash must not authenticate this key.
	usable := known && !k.Revoked() && k.ID == id
	mac := v.mac(sec)
	switch {
	case usable && v.cache.match(ck, mac, v.now()):
		return k, nil
	case known && !usable:
		v.cache.remove(ck)
	}
	return v.verifySlow(ctx, k, usable, ck, sec, mac, addr)
}

// verifySlow runs Argon2id under the semaphore: against the stored hash for
// a usable key, against the dummy hash otherwise, so that both take the same
// time and the same place in the queue. Waiting comes first and the failure
// token is taken only once a slot is held, so that a burst of requests with
// the same right key is checked once (the rest find the cache filled when
// their turn comes) instead of spending the address's budget.
func (v *Verifier) verifySlow(ctx context.Context, k store.APIKey, usable bool, ck cacheKey, sec []byte, mac [32]byte, addr string) (store.APIKey, error) {
	// An address with no budget left is refused before it queues for a
	// slot; tokens held by checks still running count as available here
	// (see allow), and take below is the real gate.
	if !v.limiter.allow(addr, v.now()) {
		return store.APIKey{}, ErrRateLimited
	}
	select {
	case v.sem <- struct{}{}:
	case <-ctx.Done():
		return store.APIKey{}, fmt.Errorf("wait to check api key: %w", ctx.Err())
	}
	defer func() { <-v.sem }()
	if err := ctx.Err(); err != nil {
		return store.APIKey{}, fmt.Errorf("wait to check api key: %w", err)
	}
	if usable && v.cache.match(ck, mac, v.now()) {
		return k, nil
	}
	if !v.limiter.take(addr, v.now()) {
		return store.APIKey{}, ErrRateLimited
	}
	phc := v.dummyHash
	if usable {
		phc = k.Hash
	}
	ok, err := v.verifyHash(phc, sec)
	if err != nil {
		v.limiter.refund(addr, v.now())
		return store.APIKey{}, fmt.Errorf("check api key %s: %w", ck.id, err)
	}
	if !ok || !usable {
		v.limiter.settle(addr) // the token taken is the failure
		return store.APIKey{}, ErrInvalid
	}
	v.limiter.refund(addr, v.now())
	v.cache.add(ck, mac, v.now())
	return k, nil
}

// mac is the cache's fast stand-in for Argon2id. A plain SHA-256 would be
// as unguessable for a 256-bit secret; the per-process key just means a
// cache seen in a memory dump cannot be checked against anything else.
func (v *Verifier) mac(sec []byte) [32]byte {
	h := hmac.New(sha256.New, v.macKey[:])
	h.Write(sec)
	var out [32]byte
	h.Sum(out[:0])
	return out
}
