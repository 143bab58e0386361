package dropboxfake

import (
	"sync"
	"time"
)

// Dropbox keeps a refresh token for the life of the grant. Many providers
// (and OAuth 2.1 for public clients) instead rotate it: every refresh
// answers with a new refresh token and spends the one presented. Some go
// further and treat a spent token presented again as a stolen one,
// revoking every token descended from the same authorization. These
// options make the fake behave so, to test what a client does when two
// of its processes refresh at once.

// family is every refresh and access token descended from one
// authorization code.
type family struct{ revoked bool }

// WithRotatingRefreshTokens makes every refresh answer with a new refresh
// token and spend the one presented, which is refused with invalid_grant
// from then on. With revokeOnReuse, presenting a spent refresh token also
// revokes the whole family: its current refresh token and every access
// token issued from it.
func WithRotatingRefreshTokens(revokeOnReuse bool) Option {
	return func(s *Server) { s.rotate, s.revokeOnReuse = true, revokeOnReuse }
}

// OnRefresh runs fn (nil: nothing) when a refresh_token grant arrives,
// before it is answered and outside the fake's lock, e.g. to change the
// client's state while its refresh is in flight.
func (s *Server) OnRefresh(fn func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.onRefresh = fn
}

// HoldRefreshes makes the next n refresh_token grants wait until all n
// have arrived (or ten seconds passed) before any is answered; they are
// then answered one at a time, in the order they take the fake's lock.
func (s *Server) HoldRefreshes(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hold = &barrier{n: n, all: make(chan struct{})}
}

// RefreshTokenValid reports whether a refresh_token grant with tok would
// be honoured now (not spent, not revoked).
func (s *Server) RefreshTokenValid(tok string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	rg := s.refresh[tok]
	return rg != nil && rg.usable()
}

func (rg *refreshGrant) usable() bool {
	return !rg.revoked && !rg.spent && (rg.family == nil || !rg.family.revoked)
}

type barrier struct {
	n, arrived int
	all        chan struct{}
	once       sync.Once
}

// beforeRefresh runs the OnRefresh hook and waits at a HoldRefreshes
// barrier; s.mu is not held.
func (s *Server) beforeRefresh() {
	s.mu.Lock()
	fn, h := s.onRefresh, s.hold
	if h != nil {
		h.arrived++
		if h.arrived >= h.n {
			s.hold = nil
			h.once.Do(func() { close(h.all) })
		}
	}
	s.mu.Unlock()
	if fn != nil {
		fn()
	}
	if h != nil {
		select {
		case <-h.all:
		case <-time.After(10 * time.Second):
		}
	}
}

// revokeFamily revokes every refresh and access token of f; s.mu is held.
func (s *Server) revokeFamily(f *family) {
	f.revoked = true
	for _, t := range s.tokens {
		if rg := s.refresh[t.refresh]; rg != nil && rg.family == f {
			t.revoked = true
		}
	}
}
