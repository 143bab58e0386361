// Package urlreg is a registry of backends opened by URL scheme, shared by
// the store drivers (sqlite://, postgres://) and the key providers
// (local://, awskms://, gcpkms://): adding a backend adds a package that
// registers itself, and edits no switch elsewhere.
package urlreg

import (
	"context"
	"fmt"
	"net/url"
	"sort"
	"sync"
)

// Opener opens a backend from its URL.
type Opener[T any] func(ctx context.Context, u *url.URL) (T, error)

// Registry maps URL schemes to openers. The zero value is not usable; use
// New. It is safe for concurrent use.
type Registry[T any] struct {
	what string // "database url", "key provider": for error messages

	mu      sync.RWMutex
	openers map[string]Opener[T]
}

// New returns an empty registry; what names its URLs in errors.
func New[T any](what string) *Registry[T] {
	return &Registry[T]{what: what, openers: map[string]Opener[T]{}}
}

// Register makes a backend available for scheme. Backends call it from
// init; registering a scheme twice panics.
func (r *Registry[T]) Register(scheme string, o Opener[T]) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.openers[scheme]; dup {
		panic(r.what + ": registered twice for " + scheme)
	}
	r.openers[scheme] = o
}

// Open opens the backend rawURL names.
func (r *Registry[T]) Open(ctx context.Context, rawURL string) (T, error) {
	var zero T
	u, err := url.Parse(rawURL)
	if err != nil {
		return zero, fmt.Errorf("parse %s: %w", r.what, err)
	}
	r.mu.RLock()
	o, ok := r.openers[u.Scheme]
	r.mu.RUnlock()
	if !ok {
		return zero, fmt.Errorf("%s: unknown scheme %q (known: %v)", r.what, u.Scheme, r.Schemes())
	}
	return o(ctx, u)
}

// Schemes lists the registered schemes.
func (r *Registry[T]) Schemes() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	s := make([]string, 0, len(r.openers))
	for k := range r.openers {
		s = append(s, k)
	}
	sort.Strings(s)
	return s
}
