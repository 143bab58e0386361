package appliance

import (
	"context"
	"log/slog"
	"time"

	"github.com/mcpgate/mcpgate/pkg/approval"
	"github.com/mcpgate/mcpgate/pkg/audit"
	"github.com/mcpgate/mcpgate/pkg/authserver"
)

// housekeepingEvery is how often serve prunes the audit log to its
// retention and deletes expired pending authorizations.
const housekeepingEvery = time.Hour

// Housekeep runs until ctx ends: once at start, then every hour, it
// applies audit.retention (if set), deletes expired OAuth states, marks
// approvals that expired undecided and deletes decided ones past
// approvals.retention.
func (a *App) Housekeep(ctx context.Context, log *slog.Logger) {
	t := time.NewTicker(housekeepingEvery)
	defer t.Stop()
	for {
		a.housekeepOnce(ctx, log)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (a *App) housekeepOnce(ctx context.Context, log *slog.Logger) {
	if n, err := a.Store.Privileged().DeleteExpiredOAuthStates(ctx, time.Now()); err != nil {
		log.Warn("delete expired authorizations", "err", err.Error())
	} else if n > 0 {
		log.Info("deleted expired authorizations", "count", n)
	}
	a.housekeepAuthServer(ctx, log)
	users, err := a.Store.Privileged().ListUsers(ctx)
	if err != nil {
		log.Warn("housekeeping: list users", "err", err.Error())
		return
	}
	for _, u := range users {
		// Approvals no call came back for: their sealed arguments go, and
		// with them what keeps an old DEK version from being retired.
		if n, err := approval.Expire(ctx, a.Store.User(u.ID), time.Now()); err != nil {
			log.Warn("expire approvals", "user", u.Name, "err", err.Error())
		} else if len(n) > 0 {
			log.Info("approvals expired undecided", "user", u.Name, "count", len(n))
		}
		// Then decided and expired ones past approvals.retention; their
		// sealed arguments went when they were decided or expired.
		if r := a.Config.Approvals.Retention; r > 0 {
			if n, err := a.Store.User(u.ID).DeleteDecidedApprovals(ctx, time.Now().Add(-r)); err != nil {
				log.Warn("approval retention", "user", u.Name, "err", err.Error())
			} else if n > 0 {
				log.Info("deleted approvals past retention", "user", u.Name, "count", n, "retention", r.String())
			}
		}
	}
	if a.Config.Audit.Retention <= 0 {
		return
	}
	n, err := audit.Prune(ctx, a.Store, users, time.Now().Add(-a.Config.Audit.Retention))
	if err != nil {
		log.Warn("audit retention", "err", err.Error())
		return
	}
	if n > 0 {
		log.Info("pruned audit records past retention", "count", n, "retention", a.Config.Audit.Retention.String())
	}
}

// housekeepAuthServer deletes the authorization server's sign-ins that
// expired (with their codes, kept until then so a replayed code is known)
// and self-registered clients never used within authserver.UnusedClientTTL.
func (a *App) housekeepAuthServer(ctx context.Context, log *slog.Logger) {
	as := a.Store.AuthServer()
	now := time.Now()
	if n, err := as.DeleteExpiredOAuthRequests(ctx, now); err != nil {
		log.Warn("delete expired sign-ins", "err", err.Error())
	} else if n > 0 {
		log.Info("deleted expired sign-ins", "count", n)
	}
	if n, err := as.DeleteUnusedOAuthClients(ctx, authserver.KindDynamic, now.Add(-authserver.UnusedClientTTL)); err != nil {
		log.Warn("delete unused OAuth clients", "err", err.Error())
	} else if n > 0 {
		log.Info("deleted self-registered OAuth clients never used", "count", n)
	}
}
