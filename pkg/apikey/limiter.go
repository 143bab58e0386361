package apikey

import (
	"net/netip"
	"sync"
	"time"
)

// failureLimiter is a token bucket per client address that only failures
// drain: a client may fail burst times at once, then once per 1/rate. A
// correct key costs nothing, and an empty bucket only stops Argon2id checks
// (the Verifier does not consult it for a key already in its cache), so a
// client whose key is verified is never limited by another's failures.
type failureLimiter struct {
	mu      sync.Mutex
	rate    float64 // tokens per second
	burst   float64
	max     int // addresses tracked at most
	buckets map[string]*bucket
}

type bucket struct {
	tokens  float64
	pending int // tokens taken by checks still running
	last    time.Time
}

func newFailureLimiter(perMinute float64, burst, maxAddrs int) *failureLimiter {
	return &failureLimiter{rate: perMinute / 60, burst: float64(burst), max: maxAddrs, buckets: map[string]*bucket{}}
}

// allow reports whether addr may queue for an Argon2id check. It takes
// nothing. Tokens held by checks still running count as available: they are
// most likely a right key's, about to be refunded, and take is the real gate
// before any Argon2id work.
func (l *failureLimiter) allow(addr string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.buckets[addr]
	return !ok || l.refill(b, now)+float64(b.pending) >= 1
}

// take spends one token for an attempt that may turn out to be a failure,
// reporting false if none is left. Taking before the Argon2id run, rather
// than after it fails, is what stops a burst of concurrent wrong keys from
// one address from all being checked.
func (l *failureLimiter) take(addr string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.get(addr, now)
	if l.refill(b, now) < 1 {
		return false
	}
	b.tokens--
	b.pending++
	return true
}

// fail records a failure found without Argon2id (a malformed key). An empty
// bucket stays empty rather than going negative.
func (l *failureLimiter) fail(addr string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.get(addr, now)
	if l.refill(b, now) >= 1 {
		b.tokens--
	}
}

// refund gives back a token taken by take when the key turned out right,
// or could not be checked for a reason that is not the client's.
func (l *failureLimiter) refund(addr string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if b, ok := l.buckets[addr]; ok && b.pending > 0 {
		l.refill(b, now)
		b.tokens = min(b.tokens+1, l.burst)
		b.pending--
	}
}

// settle keeps a token taken by take: the key was wrong.
func (l *failureLimiter) settle(addr string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if b, ok := l.buckets[addr]; ok && b.pending > 0 {
		b.pending--
	}
}

func (l *failureLimiter) refill(b *bucket, now time.Time) float64 {
	if now.After(b.last) {
		b.tokens = min(b.tokens+now.Sub(b.last).Seconds()*l.rate, l.burst)
		b.last = now
	}
	return b.tokens
}

// get returns addr's bucket, creating a full one. The map is bounded so that
// a client rotating through many addresses cannot grow it without end. When
// it is full, full buckets are dropped (they mean the same as no bucket),
// then arbitrary ones, down to three quarters of the bound, so the sweep runs
// once per many new addresses rather than on each. Losing a bucket only
// forgives some failures; the Argon2id semaphore still bounds the work.
func (l *failureLimiter) get(addr string, now time.Time) *bucket {
	if b, ok := l.buckets[addr]; ok {
		return b
	}
	if len(l.buckets) >= l.max {
		target := l.max * 3 / 4
		for a, b := range l.buckets {
			if l.refill(b, now) >= l.burst && b.pending == 0 {
				delete(l.buckets, a)
			}
		}
		for a := range l.buckets {
			if len(l.buckets) <= target {
				break
			}
			delete(l.buckets, a)
		}
	}
	b := &bucket{tokens: l.burst, last: now}
	l.buckets[addr] = b
	return b
}

// limitKey turns a client address into the identity failures are counted
// against: the IP without its port, and an IPv6 address's /64, since one
// host usually holds a whole /64. Anything else (a Unix socket name) is used
// as it is.
func limitKey(clientAddr string) string {
	var ip netip.Addr
	if ap, err := netip.ParseAddrPort(clientAddr); err == nil {
		ip = ap.Addr()
	} else if a, err := netip.ParseAddr(clientAddr); err == nil {
		ip = a
	} else {
		return clientAddr
	}
	ip = ip.Unmap().WithZone("")
	if ip.Is6() {
		p, _ := ip.Prefix(64)
		return p.String()
	}
	return ip.String()
}
