package audit

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/mcpgate/mcpgate/pkg/store"
)

// Row is an audit record as exported: what a SIEM or a person reads.
type Row struct {
	Seq       int64           `json:"seq"`
	Time      string          `json:"time"`
	User      string          `json:"user"`
	Key       string          `json:"key"`
	Tool      string          `json:"tool"`
	Arguments json.RawMessage `json:"arguments"`
	Decision  string          `json:"decision"`
	Rule      string          `json:"rule"`
	Outcome   string          `json:"outcome"`
	Error     string          `json:"error,omitempty"`
	LatencyMS float64         `json:"latency_ms"`
	PrevHash  string          `json:"prev_hash"`
	Hash      string          `json:"hash"`
}

// Names maps ids to names for display (users and keys); missing ids show
// as themselves.
type Names struct {
	Users map[string]string
	Keys  map[string]string
}

func (n Names) name(m map[string]string, id string) string {
	if v, ok := m[id]; ok {
		return v
	}
	return id
}

// ToRow converts a record for export.
func (n Names) ToRow(r store.AuditRecord) Row {
	args := json.RawMessage(r.Arguments)
	if !json.Valid(args) {
		args = json.RawMessage(strconv.Quote(r.Arguments))
	}
	return Row{
		Seq: r.Seq, Time: r.Time.UTC().Format(time.RFC3339Nano), User: n.name(n.Users, r.UserID),
		Key: n.name(n.Keys, r.KeyID), Tool: r.Tool, Arguments: args, Decision: r.Decision,
		Rule: r.Rule, Outcome: r.Outcome, Error: r.Error, LatencyMS: float64(r.LatencyUS) / 1000,
		PrevHash: r.PrevHash, Hash: r.Hash,
	}
}

// CSVHeader is the first line of a CSV export.
var CSVHeader = []string{"seq", "time", "user", "key", "tool", "arguments", "decision", "rule", "outcome", "error", "latency_ms", "prev_hash", "hash"}

// Exporter writes rows one at a time, so an export of any size runs in
// constant memory.
type Exporter struct {
	format string
	json   *json.Encoder
	csv    *csv.Writer
}

// NewExporter writes jsonl or csv to w.
func NewExporter(w io.Writer, format string) (*Exporter, error) {
	switch format {
	case "jsonl":
		return &Exporter{format: format, json: json.NewEncoder(w)}, nil
	case "csv":
		cw := csv.NewWriter(w)
		if err := cw.Write(CSVHeader); err != nil {
			return nil, err
		}
		return &Exporter{format: format, csv: cw}, nil
	}
	return nil, fmt.Errorf("format %q: use jsonl or csv", format)
}

// Write writes one row.
func (w *Exporter) Write(r Row) error {
	if w.json != nil {
		return w.json.Encode(r)
	}
	return w.csv.Write([]string{
		strconv.FormatInt(r.Seq, 10), r.Time, r.User, r.Key, r.Tool, string(r.Arguments), r.Decision, r.Rule,
		r.Outcome, r.Error, strconv.FormatFloat(r.LatencyMS, 'f', 3, 64), r.PrevHash, r.Hash,
	})
}

// Flush flushes buffered CSV.
func (w *Exporter) Flush() error {
	if w.csv != nil {
		w.csv.Flush()
		return w.csv.Error()
	}
	return nil
}
