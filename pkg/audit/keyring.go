package audit

import (
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/rand"
	"errors"
	"fmt"

	"github.com/mcpgate/mcpgate/pkg/store"
)

// A user's audit keys, as sealed in the vault (version 1):
//
//	0x01 | HMAC key (32 bytes) | Ed25519 seed (32 bytes)
const (
	keyringV1   = 1
	macKeySize  = 32
	keyringSize = 1 + macKeySize + ed25519.SeedSize
)

var errBadKeyring = errors.New("the opened audit keys are not in a format this mcpgate knows")

// Keyring is one user's audit keys: the HMAC key that chains the user's
// records and the Ed25519 key that signs checkpoints of the chain. It is
// never printed or stored unsealed.
type Keyring struct {
	mac  []byte
	sign ed25519.PrivateKey
}

// newKeyring makes fresh keys from crypto/rand.
func newKeyring() (*Keyring, error) {
	b := make([]byte, keyringSize)
	b[0] = keyringV1
	if _, err := rand.Read(b[1:]); err != nil {
		return nil, fmt.Errorf("generate audit keys: %w", err)
	}
	return parseKeyring(b)
}

// parseKeyring reads the sealed plaintext, checking its length and version
// before slicing.
func parseKeyring(b []byte) (*Keyring, error) {
	if len(b) != keyringSize || b[0] != keyringV1 {
		return nil, errBadKeyring
	}
	mac := append([]byte(nil), b[1:1+macKeySize]...)
	return &Keyring{mac: mac, sign: ed25519.NewKeyFromSeed(b[1+macKeySize:])}, nil
}

// bytes is the plaintext to seal.
func (k *Keyring) bytes() []byte {
	b := make([]byte, 0, keyringSize)
	b = append(b, keyringV1)
	b = append(b, k.mac...)
	return append(b, k.sign.Seed()...)
}

// PublicKey is the key that checks the user's checkpoints.
func (k *Keyring) PublicKey() ed25519.PublicKey { return k.sign.Public().(ed25519.PublicKey) }

// Hash chains r to prev in format 2 (the store's hash callback).
func (k *Keyring) Hash(prev string, r store.AuditRecord) string { return keyedHash(k.mac, prev, r) }

// valid reports whether r's hash is its format 2 hash under k.
func (k *Keyring) valid(r store.AuditRecord) bool {
	return hmac.Equal([]byte(keyedHash(k.mac, r.PrevHash, r)), []byte(r.Hash))
}

// Valid reports whether r is a format 2 record whose hash verifies
// under k.
func (k *Keyring) Valid(r store.AuditRecord) bool { return r.Chain == ChainKeyed && k.valid(r) }

// String keeps the keys out of a careless %v.
func (k *Keyring) String() string { return "[audit keys]" }

// GoString keeps the keys out of a careless %#v.
func (k *Keyring) GoString() string { return "[audit keys]" }
