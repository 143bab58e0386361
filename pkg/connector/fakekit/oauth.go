package fakekit

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
)

// S256 is the PKCE code challenge of verifier (RFC 7636, method S256),
// which the fakes' token endpoints compare with the one sent to authorize.
func S256(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// RandomString returns n random letters and digits, for the codes and
// tokens a fake mints: unguessable, and safe in URLs and headers.
func RandomString(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alnum[int(b[i])%len(alnum)]
	}
	return string(b)
}
