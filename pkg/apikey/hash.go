package apikey

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// params are Argon2id's cost parameters and output sizes.
type params struct {
	memory  uint32 // KiB
	time    uint32 // passes
	threads uint8
	saltLen int // bytes
	keyLen  int // bytes
}

// defaultParams is the OWASP Password Storage Cheat Sheet minimum for
// Argon2id: 19 MiB, 2 passes, 1 lane; 16-byte salt and 32-byte output as
// RFC 9106 recommends.
//
// Why the minimum and not RFC 9106's 64 MiB option: memory is the resource a
// flood of wrong keys would exhaust. Each running Argon2id holds m, and the
// Verifier runs MaxConcurrentHashes (default 2) at once, so the peak is about
// 38 MiB — fine on a small VPS or a Raspberry Pi. Higher cost buys little
// here: the secret is 256 random bits, not a password, so a leaked hash is
// safe from brute force at any cost setting; Argon2id is defence in depth.
// Verify reads the parameters from each stored string, so raising them later
// leaves existing keys working.
var defaultParams = params{memory: 19 * 1024, time: 2, threads: 1, saltLen: 16, keyLen: 32}

// dummyHash is a well-formed PHC string with defaultParams that no secret
// is expected to match (its output is all zeros). The Verifier checks keys
// with no usable stored hash against it, paying the same Argon2id cost as a
// real check. Salt and output are fixed: only the parameters set the cost.
var dummyHash = phcString(defaultParams, make([]byte, defaultParams.saltLen), make([]byte, defaultParams.keyLen))

// Limits on what a stored hash may ask for. A tampered or corrupted row must
// not make one verification allocate gigabytes or run for minutes.
const (
	maxMemory  = 1 << 20 // KiB: 1 GiB
	maxTime    = 16
	maxThreads = 16
	minSalt    = 8
	maxSalt    = 64
	minKey     = 16
	maxKey     = 64
	maxPHCLen  = 256
)

var b64 = base64.RawStdEncoding.Strict()

// Hash returns the Argon2id hash of secret as a PHC string:
// $argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>, base64 without padding.
func Hash(secret []byte) (string, error) { return hashWith(defaultParams, secret) }

func hashWith(p params, secret []byte) (string, error) {
	salt := make([]byte, p.saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("hash api key: read salt: %w", err)
	}
	key := argon2.IDKey(secret, salt, p.time, p.memory, p.threads, uint32(p.keyLen))
	return phcString(p, salt, key), nil
}

func phcString(p params, salt, key []byte) string {
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.memory, p.time, p.threads, b64.EncodeToString(salt), b64.EncodeToString(key))
}

// Verify reports whether secret matches the PHC string phc, using the
// parameters written in phc. A phc that cannot be parsed, or whose
// parameters are out of bounds, is an error wrapping ErrBadHash; a wrong
// secret is (false, nil).
func Verify(phc string, secret []byte) (bool, error) {
	p, salt, want, err := decodePHC(phc)
	if err != nil {
		return false, fmt.Errorf("verify api key: %w", err)
	}
	got := argon2.IDKey(secret, salt, p.time, p.memory, p.threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

func decodePHC(s string) (p params, salt, key []byte, err error) {
	bad := func(why string) (params, []byte, []byte, error) {
		return params{}, nil, nil, fmt.Errorf("%w (%s)", ErrBadHash, why)
	}
	if len(s) > maxPHCLen {
		return bad("too long")
	}
	f := strings.Split(s, "$")
	if len(f) != 6 || f[0] != "" {
		return bad("not a PHC string")
	}
	if f[1] != "argon2id" {
		return bad("algorithm is not argon2id")
	}
	if f[2] != fmt.Sprintf("v=%d", argon2.Version) {
		return bad("unsupported argon2 version")
	}
	var m, t, par uint64
	seen := map[string]bool{}
	for _, kv := range strings.Split(f[3], ",") {
		k, v, ok := strings.Cut(kv, "=")
		n, numOK := parseDecimal(v)
		if !ok || !numOK || seen[k] {
			return bad("bad parameter " + quoteShort(kv))
		}
		seen[k] = true
		switch k {
		case "m":
			m = n
		case "t":
			t = n
		case "p":
			par = n
		default:
			return bad("unknown parameter " + quoteShort(k))
		}
	}
	if len(seen) != 3 {
		return bad("need m, t and p")
	}
	// Argon2 itself needs at least 8 KiB per lane.
	if par < 1 || par > maxThreads || t < 1 || t > maxTime || m < 8*par || m > maxMemory {
		return bad(fmt.Sprintf("parameters m=%d,t=%d,p=%d out of bounds", m, t, par))
	}
	if salt, err = b64.DecodeString(f[4]); err != nil || len(salt) < minSalt || len(salt) > maxSalt {
		return bad("bad salt")
	}
	if key, err = b64.DecodeString(f[5]); err != nil || len(key) < minKey || len(key) > maxKey {
		return bad("bad hash")
	}
	return params{memory: uint32(m), time: uint32(t), threads: uint8(par), saltLen: len(salt), keyLen: len(key)}, salt, key, nil
}

// parseDecimal accepts the PHC spec's decimal form: digits only, no sign, no
// leading zero, at most ten digits (so no overflow).
func parseDecimal(s string) (uint64, bool) {
	if s == "" || len(s) > 10 || (len(s) > 1 && s[0] == '0') {
		return 0, false
	}
	var n uint64
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		n = n*10 + uint64(s[i]-'0')
	}
	return n, true
}

// quoteShort quotes a fragment of a stored hash for an error message. The
// fragment is a parameter, never salt or hash, but is cut anyway so a
// garbage row cannot flood a log line.
func quoteShort(s string) string {
	if len(s) > 24 {
		s = s[:24] + "…"
	}
	return fmt.Sprintf("%q", s)
}
