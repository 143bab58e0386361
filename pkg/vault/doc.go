// Package vault is envelope encryption for credentials: each user has a
// data-encryption key (DEK) stored only wrapped by the KEK of a
// keyprovider.Provider, and credentials are sealed with AES-256-GCM under
// their user's DEK with additional data naming the record they belong to.
//
// Sealed format (version 1):
//
//	0x01 | DEK version (uint32, big endian) | nonce (12 bytes) | ciphertext+tag
//
// The AAD is the header bytes, a domain string, the purpose, the user id and
// the record id, so a ciphertext copied to another row, another purpose or
// another user fails to open.
//
// The database is not trusted with key material: the KEK registry
// (registry.go) is authenticated by a MAC key that only a KEK mcpgate
// recorded can unwrap, and every DEK row carries a MAC under it, so rows
// written by someone without a KEK are refused, never used.
package vault
