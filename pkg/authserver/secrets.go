package authserver

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
)

// Token prefixes: an access token, a refresh token, an authorization
// code, the browser's handle on an authorization in progress. Each is
// followed by 256 random bits.
const (
	accessPrefix  = "mgo_at_"
	refreshPrefix = "mgo_rt_"
	codePrefix    = "mgo_ac_"
	handlePrefix  = "mgo_h_"
)

// random returns prefix and 256 bits from crypto/rand, base64url.
func random(prefix string) string {
	var b [32]byte
	_, _ = rand.Read(b[:]) // never fails on supported platforms
	return prefix + base64.RawURLEncoding.EncodeToString(b[:])
}

// hashOf is how a secret of this package is stored and looked up: 256
// random bits need no slow hash.
func hashOf(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// approvalAlphabet leaves out letters read as digits (I, O) and the like.
const approvalAlphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"

// newApprovalCode returns a code a person types into `mcpgate oauth
// approve`: 10 characters (50 bits), shown as XXXXX-XXXXX. It is good for
// one approval of one request within ten minutes, on the server itself.
func newApprovalCode() string {
	var b [10]byte
	_, _ = rand.Read(b[:])
	out := make([]byte, 0, 11)
	for i, c := range b {
		if i == 5 {
			out = append(out, '-')
		}
		out = append(out, approvalAlphabet[int(c)%len(approvalAlphabet)])
	}
	return string(out)
}

// NormalizeApprovalCode reads a typed code leniently (case, dashes,
// spaces) into the form newApprovalCode writes.
func NormalizeApprovalCode(s string) string {
	s = strings.ToUpper(strings.NewReplacer("-", "", " ", "").Replace(strings.TrimSpace(s)))
	if len(s) != 10 {
		return s
	}
	return s[:5] + "-" + s[5:]
}

// HashSecret is how a registered client's secret is kept.
func HashSecret(s string) string { return hashOf(s) }
