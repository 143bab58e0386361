package audit_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/mcpgate/mcpgate/pkg/audit"
	"github.com/mcpgate/mcpgate/pkg/store"
)

// rechainUnkeyed is the attacker of the unkeyed chain: after editing rows
// directly, recompute every hash from the first changed record on with
// the public algorithm, so each link and each hash matches again.
func (e *env) rechainUnkeyed(t *testing.T, user string, from int64, chain int) {
	t.Helper()
	recs := e.records(t, user)
	anchor, err := e.st.User(user).AuditAnchor(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	prev := anchor.Hash
	for _, r := range recs {
		if r.Seq >= from {
			r.PrevHash, r.Chain = prev, chain
			r.Hash = audit.LegacyHash(prev, r)
			e.exec(t, "UPDATE audit_records SET prev_hash = ?, hash = ?, chain = ? WHERE seq = ?", r.PrevHash, r.Hash, r.Chain, r.Seq)
		}
		prev = r.Hash
	}
}

func TestVerifyDetectsARewriteWithEveryLaterHashRecomputed(t *testing.T) {
	cases := []struct {
		name       string
		chain      int // the format the forged records claim
		wantReason string
	}{
		{"the forged records keep the keyed format", audit.ChainKeyed, "does not match its hash"},
		{"the forged records claim the legacy format (a downgrade)", audit.ChainLegacy, "claims the legacy unkeyed format"},
	}
	forEachDriver(t, func(t *testing.T, e *env) {
		for i, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				user := []string{"u_keep", "u_down"}[i]
				e.addUser(t, user)
				recs := e.write(t, user, 5)
				target := recs[1].Seq
				e.exec(t, `UPDATE audit_records SET arguments = '{"owner":"mallory"}' WHERE seq = ?`, target)
				e.rechainUnkeyed(t, user, target, tc.chain)

				e.freshKeys()
				rep := e.verify(t, []string{user}, nil)
				if len(rep.Breaks) != 1 {
					t.Fatalf("got breaks %v, want one", rep.Breaks)
				}
				if got := rep.Breaks[0]; got.Seq != target || !strings.Contains(got.Reason, tc.wantReason) {
					t.Errorf("got break %+v, want record %d: %q", got, target, tc.wantReason)
				}
			})
		}
	})
}

func TestVerifyDetectsADeletionInsideTheChain(t *testing.T) {
	forEachDriver(t, func(t *testing.T, e *env) {
		e.addUser(t, "u_a")
		recs := e.write(t, "u_a", 5)
		e.exec(t, "DELETE FROM audit_records WHERE seq = ?", recs[2].Seq)
		rep := e.verify(t, []string{"u_a"}, nil)
		if len(rep.Breaks) != 1 || rep.Breaks[0].Seq != recs[3].Seq {
			t.Errorf("got breaks %v, want one at record %d", rep.Breaks, recs[3].Seq)
		}
	})
}

func TestVerifyMigratesLegacyRecordsOnceThenRefusesTheLegacyFormat(t *testing.T) {
	forEachDriver(t, func(t *testing.T, e *env) {
		e.addUser(t, "u_a")
		// Records written before schema version 5: unkeyed, no key.
		legacy := make([]store.AuditRecord, 4)
		for i := range legacy {
			legacy[i] = record("u_a", i)
		}
		if _, err := e.st.User("u_a").AppendAudit(t.Context(), legacy, audit.LegacyHash); err != nil {
			t.Fatal(err)
		}

		rep := e.verify(t, []string{"u_a"}, nil)
		if len(rep.Breaks) != 0 || rep.Rechained != 4 || rep.Records != 4 {
			t.Fatalf("first verify: got %+v, want 4 records re-chained and no break", rep)
		}
		for _, r := range e.records(t, "u_a") {
			if r.Chain != audit.ChainKeyed {
				t.Errorf("record %d: got chain format %d, want %d", r.Seq, r.Chain, audit.ChainKeyed)
			}
		}
		// Appends go on from the re-chained head.
		e.write(t, "u_a", 2)
		e.freshKeys()
		if rep := e.verify(t, []string{"u_a"}, nil); len(rep.Breaks) != 0 || rep.Rechained != 0 || rep.Records != 6 {
			t.Fatalf("second verify: got %+v, want 6 records, none re-chained, no break", rep)
		}

		// Now the legacy format is a forgery, even with valid legacy hashes.
		first := e.records(t, "u_a")[0].Seq
		e.rechainUnkeyed(t, "u_a", first, audit.ChainLegacy)
		rep = e.verify(t, []string{"u_a"}, nil)
		if len(rep.Breaks) != 1 || rep.Breaks[0].Seq != first || !strings.Contains(rep.Breaks[0].Reason, "legacy") {
			t.Errorf("after a downgrade: got breaks %v, want one at record %d naming the legacy format", rep.Breaks, first)
		}
	})
}

func TestVerifyDoesNotRechainABrokenLegacyChain(t *testing.T) {
	forEachDriver(t, func(t *testing.T, e *env) {
		e.addUser(t, "u_a")
		legacy := []store.AuditRecord{record("u_a", 1), record("u_a", 2), record("u_a", 3)}
		stored, err := e.st.User("u_a").AppendAudit(t.Context(), legacy, audit.LegacyHash)
		if err != nil {
			t.Fatal(err)
		}
		e.exec(t, `UPDATE audit_records SET arguments = '{"owner":"mallory"}' WHERE seq = ?`, stored[1].Seq)

		rep := e.verify(t, []string{"u_a"}, nil)
		if len(rep.Breaks) != 1 || rep.Breaks[0].Seq != stored[1].Seq {
			t.Fatalf("got breaks %v, want one at record %d", rep.Breaks, stored[1].Seq)
		}
		for _, r := range e.records(t, "u_a") {
			if r.Chain != audit.ChainLegacy {
				t.Errorf("record %d: got chain format %d, want it left legacy (re-chaining would launder the change)", r.Seq, r.Chain)
			}
		}
		if _, err := e.st.User("u_a").AuditKey(t.Context()); err == nil {
			t.Error("the user got audit keys although its legacy chain is broken")
		}
		// And the writer refuses to extend it, rather than hide the break.
		w := audit.NewWriter(e.st, e.keys)
		defer w.Close()
		if _, err := w.Write(t.Context(), record("u_a", 9)); err == nil {
			t.Error("write after a broken legacy chain: got no error, want one")
		}
	})
}

func TestWriterKeysALegacyLogOnItsFirstWrite(t *testing.T) {
	forEachDriver(t, func(t *testing.T, e *env) {
		e.addUser(t, "u_a")
		legacy := []store.AuditRecord{record("u_a", 1), record("u_a", 2)}
		if _, err := e.st.User("u_a").AppendAudit(t.Context(), legacy, audit.LegacyHash); err != nil {
			t.Fatal(err)
		}
		e.write(t, "u_a", 2) // as serve would, after an upgrade
		var chains []int
		for _, r := range e.records(t, "u_a") {
			chains = append(chains, r.Chain)
		}
		if want := []int{2, 2, 2, 2}; !slices.Equal(chains, want) {
			t.Errorf("chain formats: got %v, want %v", chains, want)
		}
		e.freshKeys()
		if rep := e.verify(t, []string{"u_a"}, nil); len(rep.Breaks) != 0 || rep.Records != 4 || rep.Rechained != 0 {
			t.Errorf("got %+v, want 4 records, none left to re-chain, no break", rep)
		}
	})
}
