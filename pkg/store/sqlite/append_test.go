package sqlite_test

import (
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/mcpgate/mcpgate/pkg/store"
	"github.com/mcpgate/mcpgate/pkg/store/sqlite/sqlitetest"
)

func linkHash(prev string, r store.AuditRecord) string {
	sum := sha256.Sum256([]byte(prev + "|" + r.Tool + "|" + r.Time.String()))
	return hex.EncodeToString(sum[:])
}

// checkChain wants the user's records to be one chain: each names the
// hash of the one before it.
func checkChain(t *testing.T, st store.Store, userID string, want int) {
	t.Helper()
	recs, err := st.User(userID).ListAudit(t.Context(), store.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != want {
		t.Fatalf("%d records, want %d", len(recs), want)
	}
	byHash := map[string]bool{"": true}
	prevs := map[string]bool{}
	for _, r := range recs {
		byHash[r.Hash] = true
	}
	for _, r := range recs {
		if !byHash[r.PrevHash] {
			t.Errorf("record %d chains to %q, which is no record's hash", r.Seq, r.PrevHash)
		}
		if prevs[r.PrevHash] {
			t.Errorf("the chain forks at %q (record %d)", r.PrevHash, r.Seq)
		}
		prevs[r.PrevHash] = true
	}
}

// TestAppendsFromTwoStoresKeepOneChain opens one database twice, as two
// processes would, and appends through both, one record at a time (the
// path that trusts a remembered chain head) and concurrently: the chain
// never forks, because a store whose remembered head is stale finds out
// in the same statement that would have written.
func TestAppendsFromTwoStoresKeepOneChain(t *testing.T) {
	a, path := sqlitetest.Open(t)
	b := open(t, path)
	u := store.User{ID: "u_a"}
	sqlitetest.AddUser(t, a, u.ID)
	rec := func(tool string) []store.AuditRecord {
		return []store.AuditRecord{{Time: time.Now(), Tool: tool, Decision: "allow", Outcome: "ok"}}
	}
	n := 0
	for i := range 10 { // strictly alternating: every append finds its remembered head stale
		for _, st := range []store.Store{a, b} {
			if _, err := st.User(u.ID).AppendAudit(t.Context(), rec("alternate"), linkHash); err != nil {
				t.Fatalf("append %d: %v", i, err)
			}
			n++
		}
	}
	checkChain(t, a, u.ID, n)

	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for i := range 100 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st := []store.Store{a, b}[i%2]
			if _, err := st.User(u.ID).AppendAudit(t.Context(), rec("concurrent"), linkHash); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("concurrent append: %v", err)
	}
	checkChain(t, b, u.ID, n+100)
}

// TestAppendAfterTheHeadWasDeletedChainsToTheRealHead deletes the newest
// record behind the store's back: the next append chains to what is now
// the newest, not to the remembered one, so verification reports the
// deletion as a truncated tail rather than a forked chain.
func TestAppendAfterTheHeadWasDeletedChainsToTheRealHead(t *testing.T) {
	st, _ := sqlitetest.Open(t)
	u := store.User{ID: "u_a"}
	sqlitetest.AddUser(t, st, u.ID)
	var recs []store.AuditRecord
	for i := range 3 {
		out, err := st.User(u.ID).AppendAudit(t.Context(), []store.AuditRecord{{Time: time.Now(), Tool: "t", Outcome: "ok"}}, linkHash)
		if err != nil {
			t.Fatalf("append %d: %v", i, err)
		}
		recs = append(recs, out[0])
	}
	db := st.(interface{ DB() *sql.DB }).DB()
	if _, err := db.ExecContext(t.Context(), "DELETE FROM audit_records WHERE seq = ?", recs[2].Seq); err != nil {
		t.Fatal(err)
	}
	out, err := st.User(u.ID).AppendAudit(t.Context(), []store.AuditRecord{{Time: time.Now(), Tool: "t", Outcome: "ok"}}, linkHash)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := out[0].PrevHash, recs[1].Hash; got != want {
		t.Errorf("after the head was deleted the next record chains to %q, want the real head %q", got, want)
	}
	checkChain(t, st, u.ID, 3)
}

// TestWALStaysBoundedUnderAppends appends records one at a time, as a
// serving gateway does: SQLite's automatic checkpoint must keep running,
// so the WAL file stays near its 1000-page checkpoint size instead of
// growing with every record (which also makes each commit's sync slower).
func TestWALStaysBoundedUnderAppends(t *testing.T) {
	st, path := sqlitetest.Open(t)
	u := store.User{ID: "u_a"}
	sqlitetest.AddUser(t, st, u.ID)
	for i := range 3000 {
		r := store.AuditRecord{Time: time.Now(), Tool: "github_get_repo", Arguments: `{"owner":"octocat","repo":"hello-world"}`, Outcome: "ok"}
		if _, err := st.User(u.ID).AppendAudit(t.Context(), []store.AuditRecord{r}, linkHash); err != nil {
			t.Fatalf("append %d: %v", i, err)
		}
	}
	fi, err := os.Stat(path + "-wal")
	if err != nil {
		t.Fatal(err)
	}
	if max := int64(8 << 20); fi.Size() > max {
		t.Errorf("WAL is %d bytes after 3000 appends, want at most %d: the automatic checkpoint is not running", fi.Size(), max)
	}
}
