// Package webhooksig signs the bodies of the webhooks serve sends
// (approval notices, forwarded audit batches) the one way a receiver
// checks them.
package webhooksig

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
)

// Header carries a webhook body's signature: "sha256=" and the hex
// HMAC-SHA-256 of the raw body under the shared secret. The receiver
// computes the same and compares in constant time.
const Header = "X-Mcpgate-Signature"

// Sign is the Header value for body under key.
func Sign(key, body []byte) string {
	m := hmac.New(sha256.New, key)
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}
