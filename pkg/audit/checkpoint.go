package audit

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/mcpgate/mcpgate/pkg/store"
)

// CheckpointFormat names the checkpoint document's version.
const CheckpointFormat = "mcpgate-audit-checkpoint/1"

// maxCheckpointFile bounds what ParseCheckpoints reads.
const maxCheckpointFile = 4 << 20

// Checkpoint is a signed statement of one user's chain head: the newest
// record's sequence number and hash, and how many records the chain held
// up to it (pruned ones included). Kept outside the database, it lets
// Verify detect records deleted or rewritten after it.
type Checkpoint struct {
	Format    string    `json:"format"`
	UserID    string    `json:"user_id"`
	User      string    `json:"user"`
	Seq       int64     `json:"seq"`
	Hash      string    `json:"hash"`
	Count     int64     `json:"count"`
	Time      time.Time `json:"time"`
	PublicKey string    `json:"public_key"` // Ed25519, base64
	Signature string    `json:"signature"`  // Ed25519 over signedBytes, base64
}

// CheckpointFile is what `mcpgate audit checkpoint -o json` prints.
type CheckpointFile struct {
	Checkpoints []Checkpoint `json:"checkpoints"`
}

// Checkpoint statuses in a verify report.
const (
	CheckpointOK     = "ok"     // the checkpointed record is there, unchanged
	CheckpointPruned = "pruned" // a prune deleted it; the anchor accounts for it
	CheckpointFailed = "failed"
)

// CheckpointResult is what Verify found of one checkpoint.
type CheckpointResult struct {
	UserID string
	Seq    int64
	Status string
}

// signedBytes is the message the signature covers: every field but the
// signature, each length-prefixed.
func (c Checkpoint) signedBytes() []byte {
	var b []byte
	for _, f := range []string{
		c.Format, c.UserID, c.User, strconv.FormatInt(c.Seq, 10), c.Hash, strconv.FormatInt(c.Count, 10),
		strconv.FormatInt(c.Time.UnixMicro(), 10), c.PublicKey,
	} {
		b = binary.BigEndian.AppendUint64(b, uint64(len(f)))
		b = append(b, f...)
	}
	return b
}

// verify checks that c is signed by want.
func (c Checkpoint) verify(want ed25519.PublicKey) error {
	if c.Format != CheckpointFormat {
		return fmt.Errorf("its format is %q, not %q", c.Format, CheckpointFormat)
	}
	pub, err := base64.StdEncoding.Strict().DecodeString(c.PublicKey)
	if err != nil || len(pub) != ed25519.PublicKeySize {
		return errors.New("its public key is not an Ed25519 key")
	}
	if !bytes.Equal(pub, want) {
		return errors.New("it is signed by another key than this user's checkpoint key")
	}
	sig, err := base64.StdEncoding.Strict().DecodeString(c.Signature)
	if err != nil || len(sig) != ed25519.SignatureSize || !ed25519.Verify(pub, c.signedBytes(), sig) {
		return errors.New("its signature does not verify: it was edited or forged")
	}
	return nil
}

// MakeCheckpoint verifies the user's chain (migrating it first, like
// Verify) and returns a signed checkpoint of its head. A broken chain gets
// no checkpoint: the error is its Break.
func MakeCheckpoint(ctx context.Context, st store.Store, keys *Keys, u store.User, now time.Time) (Checkpoint, error) {
	var rep Report
	c, err := walkUser(ctx, st, keys, u.ID, nil, &rep)
	if err != nil {
		return Checkpoint{}, err
	}
	if b, _ := c.finish(); b != nil {
		return Checkpoint{}, b
	}
	return c.ring.Checkpoint(u, c.lastSeq, c.prev, c.anchor.Pruned+c.kept, now), nil
}

// Checkpoint signs a checkpoint of u's chain at the record seq with hash,
// the chain holding count records up to it. The caller vouches for the
// chain up to there (MakeCheckpoint walks it; the forwarder checks each
// record it sends and its link to the one before).
func (k *Keyring) Checkpoint(u store.User, seq int64, hash string, count int64, now time.Time) Checkpoint {
	cp := Checkpoint{
		Format: CheckpointFormat, UserID: u.ID, User: u.Name,
		Seq: seq, Hash: hash, Count: count,
		Time:      now.UTC().Truncate(time.Microsecond),
		PublicKey: base64.StdEncoding.EncodeToString(k.PublicKey()),
	}
	cp.Signature = base64.StdEncoding.EncodeToString(ed25519.Sign(k.sign, cp.signedBytes()))
	return cp
}

// ParseCheckpoints reads a checkpoint file strictly: one JSON document,
// no unknown fields, nothing after it.
func ParseCheckpoints(r io.Reader) ([]Checkpoint, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxCheckpointFile+1))
	if err != nil {
		return nil, fmt.Errorf("read checkpoint: %w", err)
	}
	if len(data) > maxCheckpointFile {
		return nil, errors.New("read checkpoint: the file is larger than 4 MiB: give the output of `mcpgate audit checkpoint -o json`")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var f CheckpointFile
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("parse checkpoint: %w: give the output of `mcpgate audit checkpoint -o json`", err)
	}
	if dec.More() {
		return nil, errors.New("parse checkpoint: data after the JSON document: give one checkpoint file as `mcpgate audit checkpoint -o json` printed it")
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("parse checkpoint: data after the JSON document: give one checkpoint file as `mcpgate audit checkpoint -o json` printed it")
	}
	if len(f.Checkpoints) == 0 {
		return nil, errors.New("parse checkpoint: it holds no checkpoints")
	}
	return f.Checkpoints, nil
}
