package auditfwd

import (
	"strconv"
	"time"

	"github.com/mcpgate/mcpgate/pkg/audit"
	"github.com/mcpgate/mcpgate/pkg/store"
)

// BatchFormat names the webhook body's version.
const BatchFormat = "mcpgate-audit-forward/1"

// Record is an audit record as forwarded: the fields of an export row
// and the user's id. It holds nothing the audit record does not (the
// audit log holds no credential, and arguments are as redacted there).
type Record struct {
	UserID    string `json:"user_id"`
	User      string `json:"user"`
	Seq       int64  `json:"seq"`
	Time      string `json:"time"`
	KeyID     string `json:"key_id"`
	Tool      string `json:"tool"`
	Arguments string `json:"arguments"`
	Decision  string `json:"decision"`
	Rule      string `json:"rule"`
	Outcome   string `json:"outcome"`
	Error     string `json:"error,omitempty"`
	LatencyUS int64  `json:"latency_us"`
	PrevHash  string `json:"prev_hash"`
	Hash      string `json:"hash"`
}

// Batch is what one delivery carries: records of one or more users, each
// user's oldest first, and a checkpoint of each user's newest record in it.
type Batch struct {
	Format      string             `json:"format"`
	SentAt      time.Time          `json:"sent_at"`
	Records     []Record           `json:"records"`
	Checkpoints []audit.Checkpoint `json:"checkpoints"`
}

func newRecord(u store.User, r store.AuditRecord) Record {
	return Record{
		UserID: r.UserID, User: u.Name, Seq: r.Seq, Time: r.Time.UTC().Format(time.RFC3339Nano),
		KeyID: r.KeyID, Tool: r.Tool, Arguments: r.Arguments, Decision: r.Decision, Rule: r.Rule,
		Outcome: r.Outcome, Error: r.Error, LatencyUS: r.LatencyUS, PrevHash: r.PrevHash, Hash: r.Hash,
	}
}

// fields lists the record's fields in a fixed order, for syslog.
func (r Record) fields() [][2]string {
	f := [][2]string{
		{"user_id", r.UserID}, {"user", r.User}, {"seq", strconv.FormatInt(r.Seq, 10)}, {"time", r.Time},
		{"key_id", r.KeyID}, {"tool", r.Tool}, {"decision", r.Decision}, {"rule", r.Rule}, {"outcome", r.Outcome},
	}
	if r.Error != "" {
		f = append(f, [2]string{"error", r.Error})
	}
	return append(f, [][2]string{
		{"latency_us", strconv.FormatInt(r.LatencyUS, 10)}, {"prev_hash", r.PrevHash}, {"hash", r.Hash},
		{"arguments", r.Arguments},
	}...)
}

func checkpointFields(c audit.Checkpoint) [][2]string {
	return [][2]string{
		{"format", c.Format}, {"user_id", c.UserID}, {"user", c.User}, {"seq", strconv.FormatInt(c.Seq, 10)},
		{"hash", c.Hash}, {"count", strconv.FormatInt(c.Count, 10)}, {"time", c.Time.UTC().Format(time.RFC3339Nano)},
		{"public_key", c.PublicKey}, {"signature", c.Signature},
	}
}
