package audit_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/mcpgate/mcpgate/pkg/audit"
	"github.com/mcpgate/mcpgate/pkg/store"
)

// openStore is a migrated SQLite store with a real vault and users u_a
// and u_b.
func openStore(t *testing.T) (store.Store, *env) {
	t.Helper()
	e := openSQLite(t)
	e.addUser(t, "u_a")
	e.addUser(t, "u_b")
	return e.st, e
}

func record(user string, i int) store.AuditRecord {
	return store.AuditRecord{UserID: user, Time: time.Now(), KeyID: "k", Tool: fmt.Sprintf("github_call_%d", i), Arguments: "{}",
		Decision: "allow", Outcome: "ok"}
}

func TestWriterCommitsConcurrentWritesInOneValidChainPerUser(t *testing.T) {
	st, e := openStore(t)
	w := audit.NewWriter(st, e.keys)
	defer w.Close()
	const n = 200
	var wg sync.WaitGroup
	seqs := make([]int64, n)
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			user := []string{"u_a", "u_b"}[i%2]
			rec, err := w.Write(context.Background(), record(user, i))
			seqs[i], errs[i] = rec.Seq, err
		}()
	}
	wg.Wait()
	seen := map[int64]bool{}
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("write %d: %v", i, errs[i])
		}
		if seqs[i] == 0 || seen[seqs[i]] {
			t.Fatalf("write %d: got seq %d, want a new non-zero one", i, seqs[i])
		}
		seen[seqs[i]] = true
	}
	rep, err := audit.Verify(t.Context(), st, e.keys, []string{"u_a", "u_b"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Records != n || len(rep.Breaks) != 0 {
		t.Errorf("verify: got %d records and breaks %v, want %d records and none", rep.Records, rep.Breaks, n)
	}
}

func TestWriterReturnsTheStoredRecord(t *testing.T) {
	st, e := openStore(t)
	w := audit.NewWriter(st, e.keys)
	defer w.Close()
	first, err := w.Write(t.Context(), record("u_a", 1))
	if err != nil {
		t.Fatal(err)
	}
	second, err := w.Write(t.Context(), record("u_a", 2))
	if err != nil {
		t.Fatal(err)
	}
	if second.Seq <= first.Seq || first.Hash == "" || second.Hash == first.Hash {
		t.Errorf("got (%d, %q) then (%d, %q), want growing seqs and distinct hashes", first.Seq, first.Hash, second.Seq, second.Hash)
	}
}

func TestWriterFailsEveryCallerOfAFailedCommit(t *testing.T) {
	st, e := openStore(t)
	w := audit.NewWriter(st, e.keys)
	defer w.Close()
	st.Close() // every commit now fails
	var wg sync.WaitGroup
	errs := make([]error, 20)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = w.Write(context.Background(), record("u_a", i))
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err == nil {
			t.Errorf("write %d on a closed database: got no error, want one", i)
		}
	}
}

func TestWriterCloseWaitsForQueuedRecordsThenRefuses(t *testing.T) {
	st, e := openStore(t)
	w := audit.NewWriter(st, e.keys)
	var wg sync.WaitGroup
	var committed sync.Map
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := w.Write(context.Background(), record("u_a", i)); err == nil {
				committed.Store(i, true)
			} else if !errors.Is(err, audit.ErrClosed) {
				t.Errorf("write %d: %v", i, err)
			}
		}()
	}
	time.Sleep(5 * time.Millisecond)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	// Every record whose Write succeeded is in the database by now.
	var want int64
	committed.Range(func(any, any) bool { want++; return true })
	rep, err := audit.Verify(t.Context(), st, e.keys, []string{"u_a"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	var after int64
	committed.Range(func(any, any) bool { after++; return true })
	if rep.Records < want || rep.Records != after {
		t.Errorf("after Close: %d records stored, %d writes had succeeded at Close and %d in all", rep.Records, want, after)
	}
	if _, err := w.Write(t.Context(), record("u_a", 99)); !errors.Is(err, audit.ErrClosed) {
		t.Errorf("write after Close: got %v, want ErrClosed", err)
	}
}

func TestWriterRefusesAnEndedContextBeforeQueueing(t *testing.T) {
	st, e := openStore(t)
	w := audit.NewWriter(st, e.keys)
	defer w.Close()
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := w.Write(ctx, record("u_a", 1)); !errors.Is(err, context.Canceled) {
		t.Errorf("got %v, want context.Canceled", err)
	}
	rep, err := audit.Verify(t.Context(), st, e.keys, []string{"u_a"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Records != 0 {
		t.Errorf("got %d records, want none", rep.Records)
	}
}

// TestWriterRecordsOfManyUsersAreStoredBeforeWriteReturns writes from
// many users at once, so that commits carry several users' records
// (store.Store.AppendAudits): each Write returns only once its record is
// stored, as returned, and every user's chain verifies.
func TestWriterRecordsOfManyUsersAreStoredBeforeWriteReturns(t *testing.T) {
	forEachDriver(t, func(t *testing.T, e *env) {
		const users, perUser = 16, 8
		var ids []string
		for i := range users {
			ids = append(ids, e.addUser(t, fmt.Sprintf("u_%02d", i)).ID)
		}
		w := audit.NewWriter(e.st, e.keys)
		defer w.Close()
		var wg sync.WaitGroup
		errs := make(chan error, users*perUser)
		for i := range users * perUser {
			wg.Add(1)
			go func() {
				defer wg.Done()
				user := ids[i%users]
				got, err := w.Write(context.Background(), record(user, i))
				if err != nil {
					errs <- err
					return
				}
				stored, err := e.st.User(user).ListAudit(context.Background(), store.AuditFilter{AfterSeq: got.Seq - 1, Limit: 1})
				if err != nil {
					errs <- err
					return
				}
				if len(stored) != 1 || stored[0].Seq != got.Seq || stored[0].Hash != got.Hash || got.Hash == "" {
					errs <- fmt.Errorf("write %d returned seq %d hash %q; stored then: %v", i, got.Seq, got.Hash, stored)
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		rep, err := audit.Verify(t.Context(), e.st, e.keys, ids, nil)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Records != users*perUser || len(rep.Breaks) != 0 {
			t.Errorf("verify: got %d records and breaks %v, want %d records and none", rep.Records, rep.Breaks, users*perUser)
		}
	})
}
