package audit

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"strconv"

	"github.com/mcpgate/mcpgate/pkg/store"
)

// Hash chains r to the record before it (prev, "" for the first): a
// SHA-256 over prev and every field of r, each length-prefixed so that no
// two different records hash alike.
func Hash(prev string, r store.AuditRecord) string {
	h := sha256.New()
	var n [8]byte
	for _, f := range []string{
		"mcpgate.audit.v1", prev, r.UserID,
		strconv.FormatInt(r.Time.UnixMicro(), 10), r.KeyID, r.Tool, r.Arguments,
		r.Decision, r.Rule, r.Outcome, r.Error, strconv.FormatInt(r.LatencyUS, 10),
	} {
		binary.BigEndian.PutUint64(n[:], uint64(len(f)))
		h.Write(n[:])
		h.Write([]byte(f))
	}
	return hex.EncodeToString(h.Sum(nil))
}
