package audit

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/binary"
	"testing"
	"time"

	"github.com/mcpgate/mcpgate/pkg/store"
)

// fuzzInput hands out fuzz bytes as field values; past the end it hands
// out zeros, so every input decodes.
type fuzzInput struct{ b []byte }

func (in *fuzzInput) byte() byte {
	if len(in.b) == 0 {
		return 0
	}
	c := in.b[0]
	in.b = in.b[1:]
	return c
}

func (in *fuzzInput) str() string {
	n := min(int(in.byte()%80), len(in.b))
	s := string(in.b[:n])
	in.b = in.b[n:]
	return s
}

func (in *fuzzInput) i64() int64 {
	var b [8]byte
	for i := range b {
		b[i] = in.byte()
	}
	return int64(binary.BigEndian.Uint64(b[:]))
}

// Record edits a fuzz input applies after hashing a record (bit flags).
const (
	editSeq = 1 << iota
	editUser
	editPrev
	editHash
	editChain
	editContent
	editLegacy
	editSwap
)

// FuzzAuditVerify runs the chain and checkpoint checks of Verify over a
// hostile chain: records hashed correctly under a key, then edited in any
// field (sequence, user, links, hashes, chain format, content, order),
// with an anchor and a checkpoint of any values, signed or not, with or
// without the user's key. It must never panic, and a chain no input
// edited must verify.
func FuzzAuditVerify(f *testing.F) {
	seed := make([]byte, keyringSize)
	seed[0] = keyringV1
	for i := 1; i < len(seed); i++ {
		seed[i] = byte(i)
	}
	ring, err := parseKeyring(seed)
	if err != nil {
		f.Fatal(err)
	}
	f.Add([]byte{})
	f.Add([]byte{0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		in := &fuzzInput{b: data}
		const user = "u_fuzz"
		anchor := store.AuditAnchor{UserID: user, Seq: int64(in.byte()), Pruned: int64(in.byte())}
		if in.byte()%2 == 1 {
			anchor.Hash = in.str()
		}
		n := int(in.byte() % 24)
		recs := make([]store.AuditRecord, 0, n)
		prev, edited := anchor.Hash, false
		for i := range n {
			op := in.byte()
			r := store.AuditRecord{
				Seq: anchor.Seq + int64(i) + 1, UserID: user, Time: time.UnixMicro(in.i64() >> 12).UTC(),
				KeyID: in.str(), Tool: in.str(), Arguments: in.str(), Decision: in.str(), Rule: in.str(),
				Outcome: in.str(), Error: in.str(), LatencyUS: in.i64(), PrevHash: prev, Chain: ChainKeyed,
			}
			r.Hash = ring.Hash(prev, r)
			if op&editSeq != 0 {
				r.Seq = in.i64()
			}
			if op&editUser != 0 {
				r.UserID = in.str()
			}
			if op&editPrev != 0 {
				r.PrevHash = in.str()
			}
			if op&editHash != 0 {
				r.Hash = in.str()
			}
			if op&editChain != 0 {
				r.Chain = int(int8(in.byte()))
			}
			if op&editContent != 0 {
				r.Arguments = in.str()
			}
			if op&editLegacy != 0 {
				r.Chain = ChainLegacy
				r.Hash = LegacyHash(r.PrevHash, r)
			}
			edited = edited || op != 0
			recs = append(recs, r)
			if op&editSwap != 0 && i > 0 {
				recs[i-1], recs[i] = recs[i], recs[i-1]
			}
			prev = r.Hash
		}

		var cp *Checkpoint
		switch in.byte() % 4 {
		case 1, 2: // a checkpoint of some record (or of nothing), signed by the key
			c := Checkpoint{Format: CheckpointFormat, UserID: user, User: user, Time: time.UnixMicro(in.i64() >> 12).UTC(),
				PublicKey: base64.StdEncoding.EncodeToString(ring.PublicKey())}
			if len(recs) > 0 {
				at := int(in.byte()) % len(recs)
				c.Seq, c.Hash, c.Count = recs[at].Seq, recs[at].Hash, anchor.Pruned+int64(at)+1
			}
			if in.byte()%2 == 1 {
				c.Seq, c.Count = in.i64(), in.i64()
			}
			c.Signature = base64.StdEncoding.EncodeToString(ed25519.Sign(ring.sign, c.signedBytes()))
			cp = &c
		case 3: // anything at all
			cp = &Checkpoint{Format: in.str(), UserID: user, Seq: in.i64(), Hash: in.str(), Count: in.i64(),
				PublicKey: in.str(), Signature: in.str()}
		}
		k := ring
		if in.byte()%5 == 0 {
			k = nil
		}

		c := newChainCheck(user, k, anchor, cp)
		for _, r := range recs {
			c.add(r)
		}
		b, res := c.finish()
		if cp != nil && res == nil {
			t.Fatal("a checkpoint was given but no result came back")
		}
		if b == nil && k != nil {
			p := anchor.Hash
			for _, r := range recs {
				if r.PrevHash != p || r.Chain != ChainKeyed || !ring.valid(r) {
					t.Fatalf("record %d passed verification but does not chain under the key", r.Seq)
				}
				p = r.Hash
			}
		}
		if !edited && k != nil && cp == nil && b != nil {
			t.Fatalf("an unedited chain failed verification: %v", b)
		}
	})
}
