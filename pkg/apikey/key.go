package apikey

import (
	"fmt"
	"hash/crc32"

	"github.com/mcpgate/mcpgate/pkg/secret"
)

// Prefix starts every mcpgate app key. Secret scanners and Redact key on it.
const Prefix = "mgw_"

const (
	idLen = 16 // ≈95 bits: ids are public, but must never collide
	// secretLen is the smallest base62 length holding 256 bits:
	// 43 × log2(62) ≈ 256.03.
	secretLen = 43
	// checksumLen holds any CRC-32: 62^6 ≈ 5.7e10 > 2^32.
	checksumLen = 6

	idStart     = len(Prefix)
	sepAt       = idStart + idLen
	secretStart = sepAt + 1
	sumStart    = secretStart + secretLen
	keyLen      = sumStart + checksumLen // 70
)

// Generate returns a new app key and its public id. The raw key is shown to
// its owner once and never stored; store HashKey(raw) instead.
func Generate() (raw secret.Value, id string, err error) {
	idb, err := randomBase62(idLen)
	if err != nil {
		return secret.Value{}, "", fmt.Errorf("generate api key: %w", err)
	}
	raw, err = Regenerate(string(idb))
	if err != nil {
		return secret.Value{}, "", err
	}
	return raw, string(idb), nil
}

// Regenerate returns a new key with a fresh secret for an existing key id,
// so that the key's policy and audit history stay attached to it. Once the
// new hash is stored, the old key is refused on its next request.
func Regenerate(id string) (raw secret.Value, err error) {
	if len(id) != idLen || !allBase62(id) {
		return secret.Value{}, fmt.Errorf("%w: key id must be %d base62 characters", ErrMalformed, idLen)
	}
	sec, err := randomBase62(secretLen)
	if err != nil {
		return secret.Value{}, fmt.Errorf("generate api key: %w", err)
	}
	return secret.New(format(id, sec)), nil
}

// HashKey returns the Argon2id PHC string of raw's secret part: what the
// store keeps for the key.
func HashKey(raw secret.Value) (string, error) {
	_, sec, err := Parse(string(raw.Bytes()))
	if err != nil {
		return "", fmt.Errorf("hash api key: %w", err)
	}
	return Hash(sec)
}

// format lays a key out as documented in doc.go.
func format(id string, sec []byte) []byte {
	b := make([]byte, 0, keyLen)
	b = append(b, Prefix...)
	b = append(b, id...)
	b = append(b, '_')
	b = append(b, sec...)
	return appendBase62Fixed(b, uint64(crc32.ChecksumIEEE(b)), checksumLen)
}

// Parse splits a raw key into its public id and its secret part. Anything
// that is not a well-formed key with a matching checksum is ErrMalformed, so
// typos and truncated pastes are refused before any database lookup.
// The error never contains raw.
func Parse(raw string) (id string, secretPart []byte, err error) {
	switch {
	case len(raw) != keyLen:
		return "", nil, fmt.Errorf("%w: want %d characters, got %d", ErrMalformed, keyLen, len(raw))
	case raw[:idStart] != Prefix:
		return "", nil, fmt.Errorf("%w: does not start with %q", ErrMalformed, Prefix)
	case raw[sepAt] != '_':
		return "", nil, fmt.Errorf("%w: no '_' after the key id", ErrMalformed)
	case !allBase62(raw[idStart:sepAt]) || !allBase62(raw[secretStart:]):
		return "", nil, fmt.Errorf("%w: unexpected character", ErrMalformed)
	}
	want := appendBase62Fixed(nil, uint64(crc32.ChecksumIEEE([]byte(raw[:sumStart]))), checksumLen)
	if string(want) != raw[sumStart:] {
		return "", nil, fmt.Errorf("%w: checksum does not match; the key was mistyped or cut short", ErrMalformed)
	}
	return raw[idStart:sepAt], []byte(raw[secretStart:sumStart]), nil
}
