package connector

import (
	"fmt"
	"sort"
	"sync"
)

var (
	mu        sync.RWMutex
	providers = map[string]Provider{}
)

// Register adds p to the registry; provider packages call it from init.
func Register(p Provider) {
	mu.Lock()
	defer mu.Unlock()
	if _, dup := providers[p.Name()]; dup {
		panic("connector: provider registered twice: " + p.Name())
	}
	providers[p.Name()] = p
}

// Lookup returns the provider named name.
func Lookup(name string) (Provider, error) {
	mu.RLock()
	defer mu.RUnlock()
	p, ok := providers[name]
	if !ok {
		return nil, fmt.Errorf("unknown provider %q (known: %v)", name, namesLocked())
	}
	return p, nil
}

func namesLocked() []string {
	var n []string
	for k := range providers {
		n = append(n, k)
	}
	sort.Strings(n)
	return n
}

// BaseURL picks a call's API base URL: the connection's own override, the
// configured one for the provider, or the provider's default.
func BaseURL(connOverride, configOverride string, p Provider) string {
	if connOverride != "" {
		return connOverride
	}
	if configOverride != "" {
		return configOverride
	}
	return p.DefaultAPIURL()
}
