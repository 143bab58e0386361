package approval

import (
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/mcpgate/mcpgate/pkg/secret"
	"github.com/mcpgate/mcpgate/pkg/store"
)

const hookKey = "k3y-for-the-retries"

// receiver is a loopback webhook receiver whose answer the test picks
// per attempt; it records what arrived and whether it was signed right.
type receiver struct {
	mu       sync.Mutex
	bodies   []string
	badSigs  int
	answer   func(attempt int) int
	srv      *httptest.Server
	received chan struct{}
}

func newReceiver(t *testing.T, answer func(attempt int) int) *receiver {
	r := &receiver{answer: answer, received: make(chan struct{}, 100)}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.bodies = append(r.bodies, string(b))
		if req.Header.Get(SignatureHeader) != Sign([]byte(hookKey), b) {
			r.badSigs++
		}
		code := r.answer(len(r.bodies))
		r.mu.Unlock()
		w.WriteHeader(code)
		r.received <- struct{}{}
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.bodies)
}

// hookService is a Service on storeWithKey's store, with a real clock,
// that notifies url and retries every few milliseconds.
func hookService(t *testing.T, url string, first time.Duration) (*Service, store.UserStore, *Metrics) {
	t.Helper()
	st, us := storeWithKey(t)
	w, err := NewWebhook(url, secret.FromString(hookKey), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	m := NewMetrics(prometheus.NewRegistry(), nil, nil)
	s := New(Options{Store: st, TTL: time.Minute, Wait: 0, Notifier: w, Metrics: m, Retry: Retry{Attempts: 5, First: first, MaxWait: time.Second}})
	return s, us, m
}

// gateNow asks for an approval of call1 and returns without waiting.
func gateNow(t *testing.T, s *Service) store.Approval {
	t.Helper()
	out, err := s.Gate(t.Context(), call1)
	if err != nil || out.Status != store.ApprovalPending {
		t.Fatalf("gate: %+v, %v", out, err)
	}
	return out.Approval
}

// A receiver that fails twice with 503 gets the notification a third
// time, signed alike each time, and no more.
func TestWebhookRetriedAfter503UntilDelivered(t *testing.T) {
	r := newReceiver(t, func(n int) int {
		if n <= 2 {
			return http.StatusServiceUnavailable
		}
		return http.StatusNoContent
	})
	s, _, m := hookService(t, r.srv.URL, 10*time.Millisecond)
	start := time.Now()
	gateNow(t, s)
	if d := time.Since(start); d > time.Second {
		t.Errorf("the call waited %s on the notification", d)
	}
	for range 3 {
		select {
		case <-r.received:
		case <-time.After(5 * time.Second):
			t.Fatalf("%d attempts arrived, want 3", r.count())
		}
	}
	time.Sleep(200 * time.Millisecond) // room for a wrong fourth attempt
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.bodies) != 3 || r.badSigs != 0 || r.bodies[0] != r.bodies[2] {
		t.Fatalf("attempts %d, bad signatures %d, bodies alike %v", len(r.bodies), r.badSigs, len(r.bodies) == 3 && r.bodies[0] == r.bodies[2])
	}
	if f := counted(m.WebhookFailures); f != 2 {
		t.Errorf("failures counted %v, want 2", f)
	}
	t.Logf("delivered on attempt 3 after %s; failures counted 2", time.Since(start).Round(time.Millisecond))
}

// A receiver that refuses the request (400) is not asked again.
func TestWebhookNotRetriedAfter400(t *testing.T) {
	r := newReceiver(t, func(int) int { return http.StatusBadRequest })
	s, _, m := hookService(t, r.srv.URL, 10*time.Millisecond)
	gateNow(t, s)
	select {
	case <-r.received:
	case <-time.After(5 * time.Second):
		t.Fatal("no attempt arrived")
	}
	time.Sleep(300 * time.Millisecond) // several backoffs' worth
	if n := r.count(); n != 1 {
		t.Fatalf("attempts %d, want 1", n)
	}
	if f := counted(m.WebhookFailures); f != 1 {
		t.Errorf("failures counted %v, want 1", f)
	}
}

// A receiver down (connection refused) until the approval is decided is
// not tried again once it is.
func TestWebhookRetriesStopOnceDecided(t *testing.T) {
	down := httptest.NewServer(http.NotFoundHandler())
	url := down.URL
	down.Close()
	s, us, m := hookService(t, url, 150*time.Millisecond)
	a := gateNow(t, s)
	deadline := time.Now().Add(5 * time.Second)
	for counted(m.WebhookFailures) < 1 {
		if time.Now().After(deadline) {
			t.Fatal("the first attempt did not fail")
		}
		time.Sleep(time.Millisecond)
	}
	if _, err := s.Decide(t.Context(), us, a.ID, true, "alice", ""); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second) // the four backoffs would have run by now
	if f := counted(m.WebhookFailures); f != 1 {
		t.Fatalf("attempts after the decision: failures counted %v, want 1", f)
	}
}

// Without a decision, a receiver that stays down is tried Attempts
// times, then given up on.
func TestWebhookGivesUpAfterAttempts(t *testing.T) {
	r := newReceiver(t, func(int) int { return http.StatusTooManyRequests })
	s, _, m := hookService(t, r.srv.URL, 5*time.Millisecond)
	gateNow(t, s)
	deadline := time.Now().Add(5 * time.Second)
	for r.count() < 5 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond)
	if n := r.count(); n != 5 {
		t.Fatalf("attempts %d, want 5", n)
	}
	if f := counted(m.WebhookFailures); f != 5 {
		t.Errorf("failures counted %v, want 5", f)
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for v, want := range map[string]time.Duration{
		"": 0, "7": 7 * time.Second, "-1": 0, "soon": 0,
		now.Add(90 * time.Second).Format(http.TimeFormat): 90 * time.Second,
		now.Add(-time.Hour).Format(http.TimeFormat):       0,
	} {
		if got := retryAfter(v, now); got != want {
			t.Errorf("Retry-After %q: %s, want %s", v, got, want)
		}
	}
}

// The wait a receiver asks for is taken, up to MaxWait.
func TestWebhookHonoursRetryAfterWithinBounds(t *testing.T) {
	var times []time.Time
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		mu.Lock()
		times = append(times, time.Now())
		n := len(times)
		mu.Unlock()
		if n < 3 {
			w.Header().Set("Retry-After", map[int]string{1: "0", 2: "3600"}[n])
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	t.Cleanup(srv.Close)
	s, _, _ := hookService(t, srv.URL, time.Hour)
	s.o.Retry.MaxWait = 300 * time.Millisecond
	gateNow(t, s)
	deadline := time.Now().Add(5 * time.Second)
	for {
		mu.Lock()
		n := len(times)
		mu.Unlock()
		if n == 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d attempts arrived, want 3", n)
		}
		time.Sleep(5 * time.Millisecond)
	}
	// "0" is no wish: the hour-long backoff applies, capped; "3600" too.
	if d := times[1].Sub(times[0]); d < 250*time.Millisecond || d > 2*time.Second {
		t.Errorf("second attempt after %s, want about MaxWait", d)
	}
	if d := times[2].Sub(times[1]); d < 250*time.Millisecond || d > 2*time.Second {
		t.Errorf("third attempt after %s, want about MaxWait (Retry-After 3600 capped)", d)
	}
}

// counted is the value of counter c.
func counted(c prometheus.Counter) float64 {
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		panic(err)
	}
	return m.GetCounter().GetValue()
}

// The schedule the README states: 5 attempts, waits of 4, 8, 16 and 32 s.
func TestRetryDefaults(t *testing.T) {
	r := Retry{}.withDefaults()
	if r != (Retry{Attempts: 5, First: 4 * time.Second, MaxWait: 32 * time.Second}) {
		t.Fatalf("defaults %+v", r)
	}
}

// A call repeated while its approval is pending reuses it and sends no
// second notification.
func TestReusedApprovalIsNotNotifiedAgain(t *testing.T) {
	r := newReceiver(t, func(int) int { return http.StatusOK })
	s, _, _ := hookService(t, r.srv.URL, 10*time.Millisecond)
	a := gateNow(t, s)
	if b := gateNow(t, s); b.ID != a.ID {
		t.Fatalf("the repeated call asked anew: %s, want %s", b.ID, a.ID)
	}
	time.Sleep(200 * time.Millisecond)
	if n := r.count(); n != 1 {
		t.Fatalf("notifications %d, want 1", n)
	}
}
