package appliance

import (
	"context"
	"log/slog"
	"time"

	"github.com/mcpgate/mcpgate/pkg/audit"
)

// housekeepingEvery is how often serve prunes the audit log to its
// retention and deletes expired pending authorizations.
const housekeepingEvery = time.Hour

// Housekeep runs until ctx ends: once at start, then every hour, it
// applies audit.retention (if set) and deletes expired OAuth states.
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
	if a.Config.Audit.Retention <= 0 {
		return
	}
	users, err := a.Store.Privileged().ListUsers(ctx)
	if err != nil {
		log.Warn("audit retention: list users", "err", err.Error())
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
