package approval

import (
	"context"
	"errors"
	"time"

	"github.com/mcpgate/mcpgate/pkg/store"
)

// Retry is how a notification that did not arrive is sent again: up to
// Attempts tries in all, the first wait First and each next one twice
// the last, a receiver's Retry-After taken instead when it says one, but
// no wait over MaxWait. The zero Retry is 5 attempts, 4s, 32s: four
// waits, about a minute.
type Retry struct {
	Attempts int
	First    time.Duration
	MaxWait  time.Duration
}

func (r Retry) withDefaults() Retry {
	if r.Attempts <= 0 {
		r.Attempts = 5
	}
	if r.First <= 0 {
		r.First = 4 * time.Second
	}
	if r.MaxWait <= 0 {
		r.MaxWait = 32 * time.Second
	}
	return r
}

// attemptTimeout bounds one delivery attempt.
const attemptTimeout = 10 * time.Second

// deliver tells the approver of n, in its own goroutine: a failed
// attempt is counted and, if trying again may help, retried with
// backoff while the approval is still pending; the call that asked
// waits on the store, not on this.
func (s *Service) deliver(n Notification) {
	r := s.o.Retry
	wait := r.First
	for attempt := 1; ; attempt++ {
		ctx, cancel := context.WithTimeout(context.Background(), attemptTimeout)
		err := s.o.Notifier.Notify(ctx, n)
		cancel()
		if err == nil {
			if attempt > 1 {
				s.o.Logger.Info("approval notification delivered", "approval", n.ID, "attempt", attempt)
			}
			return
		}
		s.metrics.WebhookFailures.Inc()
		var de *DeliveryError
		retry := !errors.As(err, &de) || de.Retry
		if !retry || attempt >= r.Attempts {
			s.o.Logger.Warn("approval notification failed; the approver is not told of it", "approval", n.ID, "attempt", attempt, "err", err.Error())
			return
		}
		d := wait
		if de != nil && de.After > 0 {
			d = de.After
		}
		d = min(d, r.MaxWait)
		wait *= 2
		s.o.Logger.Warn("approval notification failed; trying again", "approval", n.ID, "attempt", attempt, "in", d.String(), "err", err.Error())
		time.Sleep(d)
		if !s.stillPending(n) {
			s.o.Logger.Info("approval decided or expired before its notification arrived; no more tries", "approval", n.ID)
			return
		}
	}
}

// stillPending reports whether n's approval still waits for a decision;
// true if the store cannot say, so a hiccup of the database does not
// keep the approver uninformed.
func (s *Service) stillPending(n Notification) bool {
	ctx, cancel := context.WithTimeout(context.Background(), attemptTimeout)
	defer cancel()
	a, err := s.o.Store.User(n.User).Approval(ctx, n.ID)
	if errors.Is(err, store.ErrNotFound) {
		return false
	}
	if err != nil {
		return true
	}
	return a.Status == store.ApprovalPending && a.ExpiresAt.After(s.o.Now())
}
