package approval

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/mcpgate/mcpgate/pkg/store"
	"github.com/mcpgate/mcpgate/pkg/vault"
)

// Options are what a Service is made of.
type Options struct {
	Store store.Store
	Vault *vault.Vault // seals the full arguments; nil keeps only the redacted ones
	TTL   time.Duration
	Wait  time.Duration // how long Gate waits for a decision
	// Poll is how often a waiting call reads its approval again; 0 is
	// 100ms. A decision made in this process wakes it at once.
	Poll time.Duration
	// PublicURL is where the approval page is reached; "" leaves the
	// link out of notifications.
	PublicURL string
	Notifier  Notifier // nil: no notification but the CLI's list
	// Retry is how a failed notification is sent again.
	Retry Retry
	// Metrics counts failed notifications; nil keeps them private.
	Metrics *Metrics
	Logger  *slog.Logger
	Now     func() time.Time
}

// Notifier tells a person of a new approval. Notify is called in its own
// goroutine, with a bounded context; an error is logged and counted, and
// retried (Options.Retry) unless it is a *DeliveryError that says not to.
type Notifier interface {
	Notify(ctx context.Context, n Notification) error
}

// Service asks for, waits for and uses approvals. It is safe for
// concurrent use.
type Service struct {
	o       Options
	metrics *Metrics
	mu      sync.Mutex
	waiters map[string][]chan struct{}
}

// New returns a Service.
func New(o Options) *Service {
	if o.TTL <= 0 {
		o.TTL = 10 * time.Minute
	}
	if o.Poll <= 0 {
		o.Poll = 100 * time.Millisecond
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	o.Retry = o.Retry.withDefaults()
	m := o.Metrics
	if m == nil {
		m = NewMetrics(nil, nil, nil)
	}
	return &Service{o: o, metrics: m, waiters: map[string][]chan struct{}{}}
}

// Call is a call that needs approval.
type Call struct {
	UserID, KeyID, KeyName string
	Tool                   string // the exposed name
	Rule                   string // the policy entry that asks for approval
	// Args are the canonical arguments: what the upstream will be sent.
	Args map[string]any
	// Shown is Args for a person, content fields as their hash and
	// length (audit.RedactArgs).
	Shown string
}

// Outcome is what Gate found. Status is store.ApprovalApproved or
// store.ApprovalDenied (the call may run, or not, and Approval was used
// up), store.ApprovalPending (no decision in time: the call should be
// made again later), or store.ApprovalExpired (the approval Gate waited
// on expired undecided).
type Outcome struct {
	Status   string
	Approval store.Approval
	// Expired are earlier approvals of the same call found expired
	// undecided, and marked so.
	Expired []store.Approval
}

// ArgsHash is the hex SHA-256 of canonical arguments, as JSON with sorted
// keys: the same arguments always hash alike.
func ArgsHash(args map[string]any) (string, error) {
	if args == nil {
		args = map[string]any{}
	}
	b, err := json.Marshal(args)
	if err != nil {
		return "", fmt.Errorf("hash arguments: %w", err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}

// Gate settles a call that needs approval: it uses a decision already
// made for exactly this call (key, tool, arguments), or else asks for
// one (reusing an undecided request of the same call) and waits up to
// Options.Wait for it.
func (s *Service) Gate(ctx context.Context, c Call) (Outcome, error) {
	hash, err := ArgsHash(c.Args)
	if err != nil {
		return Outcome{}, err
	}
	us := s.o.Store.User(c.UserID)
	use := store.ApprovalUse{KeyID: c.KeyID, Tool: c.Tool, ArgsHash: hash}
	if a, err := us.UseApproval(ctx, use, s.o.Now()); err == nil {
		return Outcome{Status: a.Status, Approval: a}, nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return Outcome{}, err
	}
	var out Outcome
	pending, err := us.ListApprovals(ctx, store.ApprovalFilter{Status: store.ApprovalPending, KeyID: c.KeyID, Tool: c.Tool, ArgsHash: hash})
	if err != nil {
		return Outcome{}, err
	}
	var a store.Approval
	for _, p := range pending {
		if p.ExpiresAt.After(s.o.Now()) {
			if a.ID == "" {
				a = p
			}
			continue
		}
		if e, err := us.DecideApproval(ctx, p.ID, store.ApprovalExpired, "", "", s.o.Now()); err == nil {
			out.Expired = append(out.Expired, e)
		}
	}
	if a.ID == "" {
		if a, err = s.create(ctx, us, c, hash); err != nil {
			return out, err
		}
	}
	return s.wait(ctx, us, a, use, out)
}

// create stores a pending approval and tells the approver.
func (s *Service) create(ctx context.Context, us store.UserStore, c Call, hash string) (store.Approval, error) {
	id, err := newID()
	if err != nil {
		return store.Approval{}, err
	}
	now := s.o.Now().UTC()
	a := store.Approval{
		ID: id, UserID: c.UserID, KeyID: c.KeyID, Tool: c.Tool, Rule: c.Rule, ArgsHash: hash, Arguments: c.Shown,
		Status: store.ApprovalPending, CreatedAt: now, ExpiresAt: now.Add(s.o.TTL),
	}
	if s.o.Vault != nil {
		full, err := json.Marshal(c.Args)
		if err != nil {
			return store.Approval{}, fmt.Errorf("ask for approval: %w", err)
		}
		err = s.o.Vault.SealAndStore(ctx, c.UserID, vault.PurposeApprovalArgs, id, full, func(sealed []byte, v int) error {
			a.Sealed, a.DEKVersion = sealed, v
			return us.CreateApproval(ctx, a)
		})
		if err != nil {
			return store.Approval{}, fmt.Errorf("ask for approval: %w", err)
		}
	} else if err := us.CreateApproval(ctx, a); err != nil {
		return store.Approval{}, fmt.Errorf("ask for approval: %w", err)
	}
	if s.o.Notifier != nil {
		n := Notification{
			ID: a.ID, URL: s.PageURL(a.ID), User: c.UserID, Key: c.KeyName, Tool: a.Tool, Rule: a.Rule,
			Arguments: json.RawMessage(a.Arguments), ArgsSHA256: hash, CreatedAt: a.CreatedAt, ExpiresAt: a.ExpiresAt,
		}
		go s.deliver(n)
	}
	return a, nil
}

// wait polls the approval until it is decided, expires, or the wait is
// over; a decision is used at once, by this call.
func (s *Service) wait(ctx context.Context, us store.UserStore, a store.Approval, use store.ApprovalUse, out Outcome) (Outcome, error) {
	wake := s.subscribe(a.ID)
	defer s.unsubscribe(a.ID, wake)
	deadline := time.NewTimer(s.o.Wait)
	defer deadline.Stop()
	tick := time.NewTicker(s.o.Poll)
	defer tick.Stop()
	for {
		now := s.o.Now()
		switch {
		case a.Status == store.ApprovalApproved || a.Status == store.ApprovalDenied:
			use.ID = a.ID
			used, err := us.UseApproval(ctx, use, now)
			if errors.Is(err, store.ErrNotFound) {
				// Another call with the same arguments used it first.
				out.Status, out.Approval = store.ApprovalPending, a
				return out, nil
			}
			if err != nil {
				return out, err
			}
			out.Status, out.Approval = used.Status, used
			return out, nil
		case a.Status == store.ApprovalExpired:
			out.Status, out.Approval = store.ApprovalExpired, a
			return out, nil
		case !a.ExpiresAt.After(now):
			e, err := us.DecideApproval(ctx, a.ID, store.ApprovalExpired, "", "", now)
			if errors.Is(err, store.ErrConflict) {
				// Decided just now by someone: read it again.
				break
			}
			if err != nil {
				return out, err
			}
			out.Status, out.Approval = store.ApprovalExpired, e
			return out, nil
		}
		select {
		case <-ctx.Done():
			return out, ctx.Err()
		case <-deadline.C:
			out.Status, out.Approval = store.ApprovalPending, a
			return out, nil
		case <-wake:
		case <-tick.C:
		}
		next, err := us.Approval(ctx, a.ID)
		if err != nil {
			return out, err
		}
		a = next
	}
}

// Decide allows or denies an approval, as by (a user's name), in the
// store of the user it belongs to. ErrNotFound if there is no such
// approval; store.ErrConflict if it was decided already or expired.
func Decide(ctx context.Context, us store.UserStore, id string, allow bool, by, reason string, now time.Time) (store.Approval, error) {
	status := store.ApprovalDenied
	if allow {
		status = store.ApprovalApproved
	}
	reason = strings.TrimSpace(reason)
	if r := []rune(reason); len(r) > maxReason {
		reason = string(r[:maxReason])
	}
	return us.DecideApproval(ctx, id, status, by, reason, now)
}

// maxReason bounds the reason an approver gives, which the model is told.
const maxReason = 500

// Decide is the package's Decide, waking this process's call that waits
// on the approval at once.
func (s *Service) Decide(ctx context.Context, us store.UserStore, id string, allow bool, by, reason string) (store.Approval, error) {
	a, err := Decide(ctx, us, id, allow, by, reason, s.o.Now())
	if err == nil {
		s.notifyWaiters(id)
	}
	return a, err
}

// Open returns the full arguments of a pending approval; an error if they
// are not kept (decided, or no vault).
func (s *Service) Open(ctx context.Context, a store.Approval) (string, error) {
	if s.o.Vault == nil || len(a.Sealed) == 0 {
		return "", errors.New("the full arguments are not kept for this approval")
	}
	v, err := s.o.Vault.Open(ctx, a.UserID, vault.PurposeApprovalArgs, a.ID, a.Sealed)
	if err != nil {
		return "", fmt.Errorf("open the arguments: %w", err)
	}
	return string(v.Bytes()), nil
}

// PageURL is the approval page of id, "" without a public URL.
func (s *Service) PageURL(id string) string {
	return PageURL(s.o.PublicURL, id)
}

// PageURL is <publicURL>/approvals/<id>, "" without a public URL.
func PageURL(publicURL, id string) string {
	if publicURL == "" {
		return ""
	}
	return strings.TrimRight(publicURL, "/") + "/approvals/" + id
}

func (s *Service) subscribe(id string) chan struct{} {
	ch := make(chan struct{}, 1)
	s.mu.Lock()
	s.waiters[id] = append(s.waiters[id], ch)
	s.mu.Unlock()
	return ch
}

func (s *Service) unsubscribe(id string, ch chan struct{}) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ws := s.waiters[id]
	for i, w := range ws {
		if w == ch {
			ws = append(ws[:i], ws[i+1:]...)
			break
		}
	}
	if len(ws) == 0 {
		delete(s.waiters, id)
	} else {
		s.waiters[id] = ws
	}
}

func (s *Service) notifyWaiters(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, ch := range s.waiters[id] {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}

// newID is "ap_" and 128 random bits: the id is in the page's URL, which
// must not be guessable.
func newID() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("approval id: %w", err)
	}
	return "ap_" + hex.EncodeToString(b[:]), nil
}

// Expire marks the user's pending approvals past their expiry at now as
// expired, which drops their sealed arguments, and returns them: serve's
// housekeeping does it for approvals no call came back for.
func Expire(ctx context.Context, us store.UserStore, now time.Time) ([]store.Approval, error) {
	pending, err := us.ListApprovals(ctx, store.ApprovalFilter{Status: store.ApprovalPending})
	if err != nil {
		return nil, err
	}
	var out []store.Approval
	for _, p := range pending {
		if p.ExpiresAt.After(now) {
			continue
		}
		e, err := us.DecideApproval(ctx, p.ID, store.ApprovalExpired, "", "", now)
		if errors.Is(err, store.ErrConflict) {
			continue // decided meanwhile
		}
		if err != nil {
			return out, err
		}
		out = append(out, e)
	}
	return out, nil
}
