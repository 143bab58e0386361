package audit

import (
	"context"
	"errors"
	"fmt"

	"github.com/mcpgate/mcpgate/pkg/store"
)

// Break is the first broken link found in a user's chain.
type Break struct {
	UserID string
	Seq    int64
	Reason string
}

func (b Break) Error() string {
	return fmt.Sprintf("audit record %d of user %s: %s", b.Seq, b.UserID, b.Reason)
}

const (
	reasonLink    = "its link to the record before it is broken: a record before it was deleted or changed"
	reasonContent = "its content does not match its hash: it was changed"
)

// Report is what Verify found.
type Report struct {
	Records     int64
	Users       int
	Rechained   int64              // legacy records re-chained under a key by this run
	Breaks      []Break            // the first break per user
	Checkpoints []CheckpointResult `json:",omitempty"`
}

// Verify checks the chains of the given users. A user whose records are
// still in the legacy format is first migrated (see Keys.Ensure; a broken
// legacy chain is reported as its break and left as it is). Then every
// record, oldest first, must be in the keyed format, name its
// predecessor's hash (the prune anchor's for the oldest kept record) and
// carry its own HMAC. Each checkpoint in cps must be signed by its user's
// checkpoint key, and its record must still be there with the same hash
// and the same count of records up to it (or be shown pruned by the
// anchor); its user must be among userIDs. It reports the first broken
// link per user.
func Verify(ctx context.Context, st store.Store, keys *Keys, userIDs []string, cps []Checkpoint) (Report, error) {
	var rep Report
	byUser := map[string]*Checkpoint{}
	for i := range cps {
		if byUser[cps[i].UserID] != nil {
			return rep, fmt.Errorf("verify checkpoint: it names user %s twice", cps[i].UserID)
		}
		byUser[cps[i].UserID] = &cps[i]
	}
	verified := map[string]bool{}
	for _, uid := range userIDs {
		verified[uid] = true
	}
	for uid := range byUser {
		if !verified[uid] {
			return rep, fmt.Errorf("verify checkpoint: it names user %s, whose chain is not being verified (another user than the one given, or one removed since): verify every user's (--all-users) or the one it names", uid)
		}
	}
	for _, uid := range userIDs {
		cp := byUser[uid]
		b, res, err := verifyUser(ctx, st, keys, uid, cp, &rep)
		if err != nil {
			return rep, err
		}
		rep.Users++
		if b != nil {
			rep.Breaks = append(rep.Breaks, *b)
		}
		if res != nil {
			rep.Checkpoints = append(rep.Checkpoints, *res)
		}
	}
	return rep, nil
}

func verifyUser(ctx context.Context, st store.Store, keys *Keys, uid string, cp *Checkpoint, rep *Report) (*Break, *CheckpointResult, error) {
	c, err := walkUser(ctx, st, keys, uid, cp, rep)
	var b *Break
	if errors.As(err, &b) {
		return b, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	b, res := c.finish()
	return b, res, nil
}

// walkUser migrates the user's chain if it is still legacy, then runs a
// chainCheck over it. A broken legacy chain is returned as a *Break error.
func walkUser(ctx context.Context, st store.Store, keys *Keys, uid string, cp *Checkpoint, rep *Report) (*chainCheck, error) {
	n, err := keys.Migrate(ctx, uid)
	var b *Break
	if errors.As(err, &b) {
		return nil, b
	}
	if err != nil {
		return nil, fmt.Errorf("key the audit chain of user %s: %w", uid, err)
	}
	rep.Rechained += n
	ring, err := keys.Ensure(ctx, uid)
	if err != nil {
		return nil, fmt.Errorf("open the audit keys of user %s: %w", uid, err)
	}
	us := st.User(uid)
	anchor, err := us.AuditAnchor(ctx)
	if err != nil {
		return nil, fmt.Errorf("read audit anchor: %w", err)
	}
	c := newChainCheck(uid, ring, anchor, cp)
	err = us.EachAudit(ctx, store.AuditFilter{Ascending: true}, func(r store.AuditRecord) error {
		rep.Records++
		c.add(r)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read audit records: %w", err)
	}
	return c, nil
}

// chainCheck checks one user's records as they stream by, oldest first,
// against the user's keys (nil: the user has none, so every record must
// be a valid legacy one), the anchor, and an optional checkpoint. It
// never trusts a field: any value of any record yields a verdict.
type chainCheck struct {
	userID  string
	ring    *Keyring
	anchor  store.AuditAnchor
	cp      *Checkpoint
	prev    string
	lastSeq int64
	kept    int64 // records seen so far
	broken  *Break
	cpDone  bool
	cpRes   *CheckpointResult
}

func newChainCheck(userID string, ring *Keyring, anchor store.AuditAnchor, cp *Checkpoint) *chainCheck {
	c := &chainCheck{userID: userID, ring: ring, anchor: anchor, cp: cp, prev: anchor.Hash, lastSeq: anchor.Seq}
	if cp != nil {
		c.cpRes = &CheckpointResult{UserID: userID, Seq: cp.Seq}
		if reason := c.checkSignature(); reason != "" {
			c.broken = &Break{UserID: userID, Seq: cp.Seq, Reason: reason}
			c.cpDone = true
		}
	}
	return c
}

func (c *chainCheck) checkSignature() string {
	if c.ring == nil {
		return "the checkpoint names a checkpoint key, but the user has no audit keys: they were deleted from the database"
	}
	if err := c.cp.verify(c.ring.PublicKey()); err != nil {
		return "the checkpoint is refused: " + err.Error()
	}
	return ""
}

func (c *chainCheck) add(r store.AuditRecord) {
	if c.broken != nil {
		return
	}
	c.kept++
	if reason := c.recordFault(r); reason != "" {
		c.broken = &Break{UserID: c.userID, Seq: r.Seq, Reason: reason}
		return
	}
	c.prev, c.lastSeq = r.Hash, r.Seq
	if c.cp == nil || c.cpDone {
		return
	}
	switch {
	case r.Seq == c.cp.Seq:
		c.cpDone = true
		switch {
		case r.Hash != c.cp.Hash:
			c.broken = &Break{UserID: c.userID, Seq: r.Seq, Reason: "its hash differs from the checkpoint's: it was rewritten after the checkpoint"}
		case c.anchor.Pruned+c.kept != c.cp.Count:
			c.broken = &Break{UserID: c.userID, Seq: r.Seq, Reason: fmt.Sprintf(
				"the checkpoint counted %d records up to it, the database now %d (kept and pruned): records before it were deleted or the prune anchor edited",
				c.cp.Count, c.anchor.Pruned+c.kept)}
		default:
			c.cpRes.Status = CheckpointOK
		}
	case r.Seq > c.cp.Seq:
		c.checkpointGone()
	}
}

// recordFault says what is wrong with r as the next record, or "".
func (c *chainCheck) recordFault(r store.AuditRecord) string {
	switch {
	case r.UserID != c.userID:
		return "it names another user: it was moved from another user's log"
	case r.Seq <= c.lastSeq:
		return "its sequence number is not above the one before it: records were reordered or renumbered"
	case r.PrevHash != c.prev:
		return reasonLink
	}
	switch {
	case r.Chain == ChainLegacy && c.ring != nil:
		return "it claims the legacy unkeyed format, but this user's log was re-chained under its audit key: it was forged or downgraded"
	case r.Chain == ChainLegacy:
		if LegacyHash(r.PrevHash, r) != r.Hash {
			return reasonContent
		}
	case r.Chain == ChainKeyed && c.ring == nil:
		return "it claims the keyed format, but the user has no audit key: the key was deleted from the database"
	case r.Chain == ChainKeyed:
		if !c.ring.valid(r) {
			return reasonContent + " (its keyed hash does not verify)"
		}
	default:
		return fmt.Sprintf("it names chain format %d, which this mcpgate does not know", r.Chain)
	}
	return ""
}

// checkpointGone decides, once the chain is past the checkpoint's record
// or at its end without it, whether a prune explains its absence.
func (c *chainCheck) checkpointGone() {
	c.cpDone = true
	cp := c.cp
	switch {
	case cp.Seq == 0 && cp.Count == 0:
		c.cpRes.Status = CheckpointOK // the chain was empty then
	case c.anchor.Seq < cp.Seq:
		c.broken = &Break{UserID: c.userID, Seq: cp.Seq, Reason: "the checkpointed record is gone and no prune reached it: records were deleted after the checkpoint (the newest ones, if the chain ends before it)"}
	case c.anchor.Seq == cp.Seq && c.anchor.Hash != cp.Hash:
		c.broken = &Break{UserID: c.userID, Seq: cp.Seq, Reason: "the prune anchor stands at the checkpointed record but with another hash: the anchor was edited"}
	case c.anchor.Pruned < cp.Count:
		c.broken = &Break{UserID: c.userID, Seq: cp.Seq, Reason: fmt.Sprintf(
			"the prune anchor counts %d pruned records, fewer than the %d the checkpoint held: the anchor was edited", c.anchor.Pruned, cp.Count)}
	default:
		c.cpRes.Status = CheckpointPruned
	}
}

// finish returns the first break, if any, and the checkpoint's result.
func (c *chainCheck) finish() (*Break, *CheckpointResult) {
	if c.cp != nil && !c.cpDone && c.broken == nil {
		c.checkpointGone()
	}
	if c.broken != nil && c.cpRes != nil {
		c.cpRes.Status = CheckpointFailed
	}
	return c.broken, c.cpRes
}
