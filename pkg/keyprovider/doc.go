// Package keyprovider holds the key-encryption key (KEK) abstraction: a
// Provider wraps and unwraps data-encryption keys, and providers are opened
// by URL (local:///path/to/kek, and cloud KMS providers later) through a
// registry, so adding one adds a package and edits nothing else.
package keyprovider
