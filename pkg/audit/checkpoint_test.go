package audit_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/mcpgate/mcpgate/pkg/audit"
)

// checkpoint takes a checkpoint of user's chain and round-trips it through
// the file format, as a person keeping it elsewhere would.
func (e *env) checkpoint(t *testing.T, user string) audit.Checkpoint {
	t.Helper()
	u, err := e.st.Privileged().UserByName(t.Context(), user)
	if err != nil {
		t.Fatal(err)
	}
	cp, err := audit.MakeCheckpoint(t.Context(), e.st, e.keys, u, time.Now())
	if err != nil {
		t.Fatalf("checkpoint: %v", err)
	}
	b, err := json.Marshal(audit.CheckpointFile{Checkpoints: []audit.Checkpoint{cp}})
	if err != nil {
		t.Fatal(err)
	}
	cps, err := audit.ParseCheckpoints(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("parse checkpoint: %v", err)
	}
	return cps[0]
}

func TestCheckpointDetectsDeletingTheNewestRecords(t *testing.T) {
	forEachDriver(t, func(t *testing.T, e *env) {
		e.addUser(t, "u_a")
		recs := e.write(t, "u_a", 5)
		cp := e.checkpoint(t, "u_a")
		if cp.Seq != recs[4].Seq || cp.Hash != recs[4].Hash || cp.Count != 5 {
			t.Fatalf("checkpoint: got seq %d hash %s count %d, want %d %s 5", cp.Seq, cp.Hash, cp.Count, recs[4].Seq, recs[4].Hash)
		}
		e.exec(t, "DELETE FROM audit_records WHERE seq >= ?", recs[3].Seq)

		// Without the checkpoint the shorter chain is intact: that is
		// exactly what a checkpoint kept elsewhere is for.
		if rep := e.verify(t, []string{"u_a"}, nil); len(rep.Breaks) != 0 {
			t.Fatalf("verify without checkpoint: got breaks %v, want none", rep.Breaks)
		}
		rep := e.verify(t, []string{"u_a"}, []audit.Checkpoint{cp})
		if len(rep.Breaks) != 1 || rep.Breaks[0].Seq != cp.Seq || !strings.Contains(rep.Breaks[0].Reason, "deleted after the checkpoint") {
			t.Errorf("got breaks %v, want one at record %d saying records were deleted", rep.Breaks, cp.Seq)
		}
	})
}

func TestCheckpointAcceptsRecordsAppendedAfterIt(t *testing.T) {
	forEachDriver(t, func(t *testing.T, e *env) {
		e.addUser(t, "u_a")
		e.write(t, "u_a", 3)
		cp := e.checkpoint(t, "u_a")
		e.write(t, "u_a", 2)
		rep := e.verify(t, []string{"u_a"}, []audit.Checkpoint{cp})
		if len(rep.Breaks) != 0 || len(rep.Checkpoints) != 1 || rep.Checkpoints[0].Status != audit.CheckpointOK {
			t.Errorf("got breaks %v and checkpoints %v, want none and one ok", rep.Breaks, rep.Checkpoints)
		}
	})
}

func TestCheckpointDetectsTheKeyDeletedAndTheLogDowngraded(t *testing.T) {
	forEachDriver(t, func(t *testing.T, e *env) {
		e.addUser(t, "u_a")
		recs := e.write(t, "u_a", 4)
		cp := e.checkpoint(t, "u_a")
		// The attacker rewrites record 2, re-chains everything unkeyed
		// and deletes the audit keys, so that the next verify re-keys a
		// valid-looking legacy chain.
		e.exec(t, `UPDATE audit_records SET arguments = '{"owner":"mallory"}' WHERE seq = ?`, recs[1].Seq)
		e.rechainUnkeyed(t, "u_a", recs[0].Seq, audit.ChainLegacy)
		e.exec(t, "DELETE FROM audit_keys WHERE user_id = ?", "u_a")
		e.freshKeys()

		rep := e.verify(t, []string{"u_a"}, []audit.Checkpoint{cp})
		if len(rep.Breaks) != 1 || !strings.Contains(rep.Breaks[0].Reason, "another key") {
			t.Errorf("got breaks %v, want the checkpoint's key to be another than the user's", rep.Breaks)
		}
	})
}

func TestCheckpointRefusesAForgedOrEditedCheckpoint(t *testing.T) {
	forEachDriver(t, func(t *testing.T, e *env) {
		e.addUser(t, "u_a")
		e.addUser(t, "u_b")
		e.write(t, "u_a", 4)
		e.write(t, "u_b", 2)
		good := e.checkpoint(t, "u_a")
		ofB := e.checkpoint(t, "u_b")

		// Another installation with a user of the same id signs its own.
		other := drivers[0].open(t)
		other.addUser(t, "u_a")
		other.write(t, "u_a", 4)
		foreign := other.checkpoint(t, "u_a")

		cases := []struct {
			name   string
			edit   func(c *audit.Checkpoint)
			reason string
		}{
			{"the count is lowered", func(c *audit.Checkpoint) { c.Count-- }, "signature does not verify"},
			{"the sequence is lowered", func(c *audit.Checkpoint) { c.Seq-- }, "signature does not verify"},
			{"the hash is changed", func(c *audit.Checkpoint) { c.Hash = strings.Repeat("0", 64) }, "signature does not verify"},
			{"the time is changed", func(c *audit.Checkpoint) { c.Time = c.Time.Add(time.Hour) }, "signature does not verify"},
			{"the signature is truncated", func(c *audit.Checkpoint) { c.Signature = c.Signature[:20] }, "signature does not verify"},
			{"another user's checkpoint is relabelled", func(c *audit.Checkpoint) { *c = ofB; c.UserID = "u_a" }, "another key"},
			{"another installation's key signed it", func(c *audit.Checkpoint) { *c = foreign }, "another key"},
			{"the public key is garbage", func(c *audit.Checkpoint) { c.PublicKey = "AAAA" }, "not an Ed25519 key"},
			{"the format is unknown", func(c *audit.Checkpoint) { c.Format = "v0" }, "format"},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				cp := good
				tc.edit(&cp)
				rep := e.verify(t, []string{"u_a"}, []audit.Checkpoint{cp})
				if len(rep.Breaks) != 1 || !strings.Contains(rep.Breaks[0].Reason, tc.reason) {
					t.Errorf("got breaks %v, want the checkpoint refused: %q", rep.Breaks, tc.reason)
				}
			})
		}
		if rep := e.verify(t, []string{"u_a"}, []audit.Checkpoint{good}); len(rep.Breaks) != 0 {
			t.Errorf("the unedited checkpoint: got breaks %v, want none", rep.Breaks)
		}
	})
}

func TestCheckpointPrunedAwayIsReportedAsPrunedNotAsTampering(t *testing.T) {
	forEachDriver(t, func(t *testing.T, e *env) {
		e.addUser(t, "u_a")
		e.write(t, "u_a", 4)
		cp := e.checkpoint(t, "u_a")
		e.write(t, "u_a", 2)
		// Prune everything but the last two.
		if _, err := e.st.User("u_a").PruneAudit(t.Context(), e.records(t, "u_a")[4].Time); err != nil {
			t.Fatal(err)
		}
		rep := e.verify(t, []string{"u_a"}, []audit.Checkpoint{cp})
		if len(rep.Breaks) != 0 || len(rep.Checkpoints) != 1 || rep.Checkpoints[0].Status != audit.CheckpointPruned {
			t.Fatalf("after a prune past the checkpoint: got breaks %v and checkpoints %v, want none and one pruned", rep.Breaks, rep.Checkpoints)
		}

		// A prune anchor edited to hide deleted records is not a prune.
		e.exec(t, "UPDATE audit_anchors SET pruned = 1 WHERE user_id = ?", "u_a")
		rep = e.verify(t, []string{"u_a"}, []audit.Checkpoint{cp})
		if len(rep.Breaks) != 1 || !strings.Contains(rep.Breaks[0].Reason, "anchor was edited") {
			t.Errorf("after editing the anchor: got breaks %v, want one naming the anchor", rep.Breaks)
		}
	})
}

func TestCheckpointCountsPrunedRecordsBeforeIt(t *testing.T) {
	forEachDriver(t, func(t *testing.T, e *env) {
		e.addUser(t, "u_a")
		e.write(t, "u_a", 6)
		cp := e.checkpoint(t, "u_a")
		if _, err := e.st.User("u_a").PruneAudit(t.Context(), e.records(t, "u_a")[3].Time); err != nil {
			t.Fatal(err)
		}
		rep := e.verify(t, []string{"u_a"}, []audit.Checkpoint{cp})
		if len(rep.Breaks) != 0 || rep.Checkpoints[0].Status != audit.CheckpointOK {
			t.Errorf("after a prune before the checkpoint: got breaks %v and checkpoints %v, want none and ok", rep.Breaks, rep.Checkpoints)
		}
	})
}

func TestParseCheckpointsIsStrict(t *testing.T) {
	cases := []struct{ name, in string }{
		{"empty", ""},
		{"not JSON", "USER SEQ COUNT"},
		{"no checkpoints", `{"checkpoints":[]}`},
		{"an unknown field", `{"checkpoints":[{"format":"x","extra":1}]}`},
		{"two documents", `{"checkpoints":[{"format":"x"}]}{"checkpoints":[]}`},
		{"trailing garbage", `{"checkpoints":[{"format":"x"}]} x`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := audit.ParseCheckpoints(strings.NewReader(tc.in)); err == nil {
				t.Errorf("got no error, want one")
			}
		})
	}
}

func TestCheckpointDetectsTheOldestRecordsDeletedBehindAFakeAnchor(t *testing.T) {
	forEachDriver(t, func(t *testing.T, e *env) {
		e.addUser(t, "u_a")
		recs := e.write(t, "u_a", 5)
		cp := e.checkpoint(t, "u_a")
		// Delete the two oldest and write the anchor a prune would have
		// left, but without counting them.
		e.exec(t, "DELETE FROM audit_records WHERE seq <= ?", recs[1].Seq)
		e.exec(t, "INSERT INTO audit_anchors (user_id, seq, hash, pruned) VALUES (?, ?, ?, 0)", "u_a", recs[1].Seq, recs[1].Hash)

		if rep := e.verify(t, []string{"u_a"}, nil); len(rep.Breaks) != 0 {
			t.Fatalf("without the checkpoint: got breaks %v, want none (it looks like a prune)", rep.Breaks)
		}
		rep := e.verify(t, []string{"u_a"}, []audit.Checkpoint{cp})
		if len(rep.Breaks) != 1 || !strings.Contains(rep.Breaks[0].Reason, "records before it were deleted") {
			t.Errorf("got breaks %v, want one saying records before the checkpoint were deleted", rep.Breaks)
		}
	})
}

func TestCheckpointOfAUserNotVerifiedIsAnError(t *testing.T) {
	e := openSQLite(t)
	e.addUser(t, "u_a")
	e.addUser(t, "u_b")
	cp := e.checkpoint(t, "u_b")
	if _, err := audit.Verify(t.Context(), e.st, e.keys, []string{"u_a"}, []audit.Checkpoint{cp}); err == nil || !strings.Contains(err.Error(), "u_b") {
		t.Errorf("got %v, want an error naming u_b", err)
	}
}
