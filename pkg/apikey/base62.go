package apikey

import (
	"crypto/rand"
	"fmt"
)

const base62Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// randomBase62 returns n characters drawn uniformly from the base62 alphabet,
// each carrying log2(62) ≈ 5.954 bits from crypto/rand.
//
// Bytes of 248 (4×62) or more are thrown away instead of being reduced mod
// 62: 256 is not a multiple of 62, so keeping them would make the first
// eight characters of the alphabet slightly more likely than the rest.
func randomBase62(n int) ([]byte, error) {
	out := make([]byte, 0, n)
	// About 3% of bytes are thrown away; a little slack avoids a second read
	// almost always.
	buf := make([]byte, n+n/8+8)
	for len(out) < n {
		if _, err := rand.Read(buf); err != nil {
			return nil, fmt.Errorf("read random bytes: %w", err)
		}
		for _, b := range buf {
			if b >= 248 {
				continue
			}
			out = append(out, base62Alphabet[b%62])
			if len(out) == n {
				break
			}
		}
	}
	return out, nil
}

func isBase62(c byte) bool {
	return '0' <= c && c <= '9' || 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z'
}

func allBase62(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isBase62(s[i]) {
			return false
		}
	}
	return true
}

// appendBase62Fixed appends v as exactly width base62 digits, most
// significant first, zero-padded. Digits above width are dropped; callers
// choose width so that none exist.
func appendBase62Fixed(dst []byte, v uint64, width int) []byte {
	start := len(dst)
	for range width {
		dst = append(dst, '0')
	}
	for i := width - 1; i >= 0; i-- {
		dst[start+i] = base62Alphabet[v%62]
		v /= 62
	}
	return dst
}
