package appliance

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/mcpgate/mcpgate/pkg/approval"
	"github.com/mcpgate/mcpgate/pkg/safefile"
	"github.com/mcpgate/mcpgate/pkg/secret"
	"github.com/mcpgate/mcpgate/pkg/store"
)

// approvalService builds serve's approvals: the configured wait and life,
// and the signed webhook when approvals.webhook.url is set.
// Its series (webhook failures, approvals pending in the database) are
// registered with reg.
func (a *App) approvalService(log *slog.Logger, reg prometheus.Registerer) (*approval.Service, error) {
	cfg := a.Config.Approvals
	o := approval.Options{
		Store: a.Store, Vault: a.Vault, TTL: cfg.TTL, Wait: cfg.Wait, PublicURL: a.Config.PublicURL, Logger: log,
		Metrics: approval.NewMetrics(reg, a.Store, log),
	}
	if cfg.Webhook.URL != "" {
		b, _, err := safefile.Read(cfg.Webhook.SecretFile, 64<<10, safefile.FollowSymlinks)
		if err != nil {
			return nil, fmt.Errorf("approvals.webhook.secret_file: %w", err)
		}
		key := secret.New([]byte(strings.TrimSpace(string(b))))
		w, err := approval.NewWebhook(cfg.Webhook.URL, key, cfg.Webhook.Template, nil)
		if err != nil {
			return nil, err
		}
		o.Notifier = w
	}
	return approval.New(o), nil
}

// Approvals lists u's approvals, newest first; pendingOnly leaves out
// decided and expired ones.
func (a *App) Approvals(ctx context.Context, u store.User, pendingOnly bool) ([]store.Approval, error) {
	f := store.ApprovalFilter{Limit: 200}
	if pendingOnly {
		f.Status = store.ApprovalPending
	}
	as, err := a.Store.User(u.ID).ListApprovals(ctx, f)
	if err != nil {
		return nil, fmt.Errorf("list approvals: %w", err)
	}
	now := time.Now()
	out := as[:0]
	for _, x := range as {
		if x.Status == store.ApprovalPending && !x.ExpiresAt.After(now) {
			if pendingOnly {
				continue
			}
			x.Status = store.ApprovalExpired // undecided, and past deciding
		}
		out = append(out, x)
	}
	return out, nil
}

// DecideApproval allows or denies, as u, u's approval id. A call waiting
// on it in serve learns of it on its next poll.
func (a *App) DecideApproval(ctx context.Context, u store.User, id string, allow bool, reason string) (store.Approval, error) {
	d, err := approval.Decide(ctx, a.Store.User(u.ID), id, allow, u.Name, reason, time.Now())
	switch {
	case errors.Is(err, store.ErrNotFound):
		return store.Approval{}, fmt.Errorf("user %s has no approval %q: see `mcpgate approve list`", u.Name, id)
	case errors.Is(err, store.ErrConflict):
		state := "decided already"
		if cur, rerr := a.Store.User(u.ID).Approval(ctx, id); rerr == nil && cur.Status != store.ApprovalPending {
			state = cur.Status
		} else if rerr == nil {
			state = store.ApprovalExpired
		}
		return store.Approval{}, fmt.Errorf("approval %s cannot be decided any more: it is %s", id, state)
	case err != nil:
		return store.Approval{}, fmt.Errorf("decide approval: %w", err)
	}
	return d, nil
}
