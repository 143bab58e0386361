// Package keyprovider holds the key-encryption key (KEK) abstraction: a
// Provider wraps and unwraps data-encryption keys, and providers are opened
// by URL (local:///path/to/kek, awskms://alias/NAME,
// gcpkms://projects/P/locations/L/keyRings/R/cryptoKeys/K) through a
// registry, so adding one adds a package and edits nothing else. A provider
// registers itself when its package is imported.
package keyprovider
