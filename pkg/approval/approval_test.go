package approval

import (
	"context"
	"testing"
	"time"

	"github.com/mcpgate/mcpgate/pkg/store"
	"github.com/mcpgate/mcpgate/pkg/store/sqlite/sqlitetest"
)

// storeWithKey is a real SQLite store with user u1 and its key k1.
func storeWithKey(t *testing.T) (store.Store, store.UserStore) {
	t.Helper()
	st, _ := sqlitetest.Open(t)
	sqlitetest.AddUser(t, st, "u1")
	us := st.User("u1")
	if err := us.CreateAPIKey(t.Context(), store.APIKey{ID: "k1", UserID: "u1", Name: "k1", Hash: "x", CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	return st, us
}

// newService is a Service on storeWithKey's store, and a clock the test
// moves.
func newService(t *testing.T, wait time.Duration) (*Service, store.UserStore, *time.Time) {
	t.Helper()
	st, us := storeWithKey(t)
	now := time.Now()
	s := New(Options{Store: st, TTL: time.Minute, Wait: wait, Poll: 5 * time.Millisecond, Now: func() time.Time { return now }})
	return s, us, &now
}

var call1 = Call{UserID: "u1", KeyID: "k1", Tool: "gmail_send", Rule: "approve:gmail_*", Args: map[string]any{"to": "x@y"}, Shown: `{"to":"x@y"}`}

func TestArgsHashIgnoresKeyOrder(t *testing.T) {
	a, _ := ArgsHash(map[string]any{"a": 1.0, "b": []any{"x"}})
	b, _ := ArgsHash(map[string]any{"b": []any{"x"}, "a": 1.0})
	c, _ := ArgsHash(map[string]any{"a": 2.0, "b": []any{"x"}})
	if a != b || a == c {
		t.Fatalf("hashes %s %s %s: want the first two equal, the third different", a, b, c)
	}
}

// A decision made in this process wakes the waiting call at once, and
// the call uses it.
func TestDecisionInThisProcessWakesTheCall(t *testing.T) {
	s, us, _ := newService(t, 20*time.Second)
	s.o.Poll = time.Hour // only the wake-up can end the wait in time
	done := make(chan Outcome, 1)
	go func() {
		out, err := s.Gate(context.Background(), call1)
		if err != nil {
			t.Error(err)
		}
		done <- out
	}()
	var id string
	for id == "" {
		as, err := us.ListApprovals(t.Context(), store.ApprovalFilter{Status: store.ApprovalPending})
		if err != nil {
			t.Fatal(err)
		}
		if len(as) == 1 {
			id = as[0].ID
		}
		time.Sleep(time.Millisecond)
	}
	if _, err := s.Decide(t.Context(), us, id, true, "alice", ""); err != nil {
		t.Fatal(err)
	}
	select {
	case out := <-done:
		if out.Status != store.ApprovalApproved || out.Approval.UsedAt.IsZero() || out.Approval.DecidedBy != "alice" {
			t.Fatalf("outcome %+v", out)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the decision did not wake the waiting call")
	}
}

// Expire marks pending approvals past their expiry, and only those.
func TestExpireMarksOnlyExpiredApprovals(t *testing.T) {
	s, us, now := newService(t, 0)
	if out, err := s.Gate(t.Context(), call1); err != nil || out.Status != store.ApprovalPending {
		t.Fatalf("Gate = %+v, %v", out, err)
	}
	if got, err := Expire(t.Context(), us, *now); err != nil || len(got) != 0 {
		t.Fatalf("Expire before the expiry = %v, %v", got, err)
	}
	got, err := Expire(t.Context(), us, now.Add(time.Minute))
	if err != nil || len(got) != 1 || got[0].Status != store.ApprovalExpired {
		t.Fatalf("Expire after the expiry = %+v, %v", got, err)
	}
}
