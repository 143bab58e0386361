package audit

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"hash"
	"strconv"

	"github.com/mcpgate/mcpgate/pkg/store"
)

// Chain formats, stored with each record (store.AuditRecord.Chain) so that
// verify knows which algorithm made its hash.
const (
	// ChainLegacy is the unkeyed SHA-256 chain of schema versions before
	// 5. Anyone who can write the database can recompute it, so records
	// in it are re-chained under the user's audit key (see Keys.Ensure),
	// and once a user has a key, a record claiming it is a failure.
	ChainLegacy = 1
	// ChainKeyed is HMAC-SHA-256 under the user's audit key.
	ChainKeyed = 2
)

// LegacyHash is the format 1 hash of r after prev ("" for the first): a
// SHA-256 over prev and every field of r, each length-prefixed so that no
// two different records hash alike.
func LegacyHash(prev string, r store.AuditRecord) string {
	h := sha256.New()
	writeFields(h, "mcpgate.audit.v1", prev, r)
	return hex.EncodeToString(h.Sum(nil))
}

// keyedHash is the format 2 hash: an HMAC-SHA-256 under the user's audit
// key over the same fields and the format number, so that a record cannot
// be moved to another format or, without the key, be rewritten.
func keyedHash(key []byte, prev string, r store.AuditRecord) string {
	h := hmac.New(sha256.New, key)
	writeFields(h, "mcpgate.audit.v2", prev, r)
	writeField(h, strconv.Itoa(r.Chain))
	return hex.EncodeToString(h.Sum(nil))
}

func writeFields(h hash.Hash, domain, prev string, r store.AuditRecord) {
	for _, f := range []string{
		domain, prev, r.UserID,
		strconv.FormatInt(r.Time.UnixMicro(), 10), r.KeyID, r.Tool, r.Arguments,
		r.Decision, r.Rule, r.Outcome, r.Error, strconv.FormatInt(r.LatencyUS, 10),
	} {
		writeField(h, f)
	}
}

func writeField(h hash.Hash, f string) {
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(len(f)))
	h.Write(n[:])
	h.Write([]byte(f))
}
