package apikey

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/mcpgate/mcpgate/pkg/store"
)

func TestVerifierLimitsFailuresPerAddress(t *testing.T) {
	t.Parallel()
	v, kt, p, c := newTestVerifier(Options{FailuresPerMinute: 10, FailureBurst: 3})
	raw, id := kt.add(t)
	verify := func(raw, addr string) error {
		_, err := v.Verify(context.Background(), raw, addr)
		return err
	}
	wrong := wrongSecret(t, id)

	for i := range 3 {
		if err := verify(wrong, "192.0.2.1:1000"); err != ErrInvalid {
			t.Fatalf("failure %d: Verify = %v, want ErrInvalid", i+1, err)
		}
	}
	runs := p.calls.Load()
	if err := verify(wrong, "192.0.2.1:2000"); err != ErrRateLimited {
		t.Errorf("4th failure, another port: Verify = %v, want ErrRateLimited", err)
	}
	// raw has not been verified yet, so checking it needs Argon2id, which
	// the address has no budget for.
	if err := verify(raw, "192.0.2.1:3000"); err != ErrRateLimited {
		t.Errorf("a right key not yet verified, from a limited address: Verify = %v, want ErrRateLimited", err)
	}
	if got := p.calls.Load() - runs; got != 0 {
		t.Errorf("a limited address cost %d Argon2id runs, want 0", got)
	}

	if err := verify(wrong, "192.0.2.2"); err != ErrInvalid {
		t.Errorf("another address, wrong key: Verify = %v, want ErrInvalid", err)
	}
	if err := verify(raw, "192.0.2.2"); err != nil {
		t.Errorf("another address, right key: Verify = %v, want nil", err)
	}

	c.advance(6 * time.Second) // 10 a minute: one failure back
	if err := verify(raw, "192.0.2.1"); err != nil {
		t.Errorf("after 6s: right key: Verify = %v, want nil", err)
	}
	if err := verify(wrong, "192.0.2.1"); err != ErrInvalid {
		t.Errorf("after 6s: one more failure: Verify = %v, want ErrInvalid", err)
	}
	if err := verify(wrong, "192.0.2.1"); err != ErrRateLimited {
		t.Errorf("after 6s: second failure: Verify = %v, want ErrRateLimited", err)
	}
}

func TestVerifierCountsEveryFailure(t *testing.T) {
	t.Parallel()
	v, _, _, _ := newTestVerifier(Options{FailureBurst: 2})
	unknown, _, _ := Generate()
	another, _, _ := Generate()
	for _, raw := range []string{"garbage", unknown.Reveal()} {
		if _, err := v.Verify(context.Background(), raw, "198.51.100.1"); err != ErrInvalid {
			t.Fatalf("Verify = %v, want ErrInvalid", err)
		}
	}
	if _, err := v.Verify(context.Background(), another.Reveal(), "198.51.100.1"); err != ErrRateLimited {
		t.Errorf("third failure: Verify = %v, want ErrRateLimited", err)
	}
	// A garbled key needs no Argon2id, so it is refused as invalid, limited
	// or not: there is nothing to throttle.
	if _, err := v.Verify(context.Background(), "garbage", "198.51.100.1"); err != ErrInvalid {
		t.Errorf("garbage from a limited address: Verify = %v, want ErrInvalid", err)
	}
}

func TestVerifierRightKeysCostNoBudget(t *testing.T) {
	t.Parallel()
	v, kt, _, _ := newTestVerifier(Options{FailureBurst: 1})
	for i := range 10 {
		raw, _ := kt.add(t) // a new key each time, so each is a cache miss
		if _, err := v.Verify(context.Background(), raw, "198.51.100.2"); err != nil {
			t.Fatalf("right key %d: Verify = %v, want nil", i, err)
		}
	}
}

func TestVerifierServerFaultsAreNotInvalid(t *testing.T) {
	t.Parallel()
	down := errors.New("database is locked")
	tests := []struct {
		name  string
		setup func(v *Verifier, kt *keyTable, id string)
		want  error
	}{
		{"store down", func(_ *Verifier, kt *keyTable, _ string) { kt.err = down }, down},
		{"corrupt stored hash", func(_ *Verifier, kt *keyTable, id string) {
			kt.update(id, func(k *store.APIKey) {
				k.Hash = "$argon2id$v=19$m=4294967295,t=1,p=1$AAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAA"
			})
		}, ErrBadHash},
		{"context ends waiting for a slot", func(v *Verifier, _ *keyTable, _ string) {
			for range cap(v.sem) {
				v.sem <- struct{}{} // every slot busy
			}
		}, context.DeadlineExceeded},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			v, kt, _, _ := newTestVerifier(Options{FailureBurst: 1})
			raw, id := kt.add(t)
			tt.setup(v, kt, id)
			ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
			defer cancel()
			for range 2 { // twice: a server fault must not spend the budget of 1
				_, err := v.Verify(ctx, raw, "203.0.113.1")
				if !errors.Is(err, tt.want) || errors.Is(err, ErrInvalid) || errors.Is(err, ErrRateLimited) {
					t.Fatalf("Verify = %v, want an error wrapping %v and not ErrInvalid or ErrRateLimited", err, tt.want)
				}
			}
		})
	}
}

func TestLimitKey(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"192.0.2.1:443", "192.0.2.1"},
		{"192.0.2.1", "192.0.2.1"},
		{"[::ffff:192.0.2.1]:80", "192.0.2.1"},
		{"[2001:db8:1:2:3:4:5:6]:443", "2001:db8:1:2::/64"},
		{"2001:db8:1:2:ffff::1", "2001:db8:1:2::/64"},
		{"[fe80::1%eth0]:22", "fe80::/64"},
		{"@", "@"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := limitKey(tt.in); got != tt.want {
			t.Errorf("limitKey(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestFailureLimiterStaysBounded(t *testing.T) {
	t.Parallel()
	l := newFailureLimiter(10, 5, 100)
	now := time.Now()
	for i := range 1000 {
		l.fail(string(rune('a'+i%26))+string(rune(i)), now)
		if n := len(l.buckets); n > 100 {
			t.Fatalf("after %d addresses the limiter tracks %d, want at most 100", i+1, n)
		}
	}
}

func TestVerifierConcurrentFloodSpendsOnlyTheBurst(t *testing.T) {
	t.Parallel()
	const burst, attackers = 5, 50
	v, kt, p, _ := newTestVerifier(Options{FailureBurst: burst})
	p.hold = 2 * time.Millisecond
	_, id := kt.add(t)
	keys := make([]string, attackers)
	for i := range keys {
		keys[i] = wrongSecret(t, id)
	}
	errs := make(chan error, attackers)
	var wg sync.WaitGroup
	for _, raw := range keys {
		wg.Go(func() {
			_, err := v.Verify(context.Background(), raw, "192.0.2.77")
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	var invalid, limited int
	for err := range errs {
		switch err {
		case ErrInvalid:
			invalid++
		case ErrRateLimited:
			limited++
		default:
			t.Errorf("Verify = %v, want ErrInvalid or ErrRateLimited", err)
		}
	}
	if invalid != burst || limited != attackers-burst {
		t.Errorf("got %d ErrInvalid and %d ErrRateLimited, want %d and %d", invalid, limited, burst, attackers-burst)
	}
	if got := p.calls.Load(); got != burst {
		t.Errorf("Argon2id runs = %d, want %d", got, burst)
	}
}
