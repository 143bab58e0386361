package store

import (
	"context"
	"fmt"
	"net/url"
	"sort"
	"sync"
)

// Opener opens a Store from a database URL.
type Opener func(ctx context.Context, u *url.URL) (Store, error)

var (
	mu      sync.RWMutex
	openers = map[string]Opener{}
)

// Register makes a driver available for the URL scheme. Drivers call it
// from init; registering a scheme twice panics.
func Register(scheme string, o Opener) {
	mu.Lock()
	defer mu.Unlock()
	if _, dup := openers[scheme]; dup {
		panic("store: driver registered twice for " + scheme)
	}
	openers[scheme] = o
}

// Open opens the database at rawURL with the driver its scheme names.
func Open(ctx context.Context, rawURL string) (Store, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("parse database url: %w", err)
	}
	mu.RLock()
	o, ok := openers[u.Scheme]
	mu.RUnlock()
	if !ok {
		return nil, fmt.Errorf("database url: unknown scheme %q (known: %v)", u.Scheme, Schemes())
	}
	return o(ctx, u)
}

// Schemes lists the registered driver schemes.
func Schemes() []string {
	mu.RLock()
	defer mu.RUnlock()
	var s []string
	for k := range openers {
		s = append(s, k)
	}
	sort.Strings(s)
	return s
}
