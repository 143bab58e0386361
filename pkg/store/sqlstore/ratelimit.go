package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/mcpgate/mcpgate/pkg/store"
)

// rateRetention is how long a window's counter is kept after it started.
const rateRetention = 24 * time.Hour

// HitRate counts a call in h's window unless the window is full.
//
// The count is one upsert whose update only happens while the count is
// below the limit: on PostgreSQL, ON CONFLICT DO UPDATE locks the row and
// re-checks the condition against the latest count, so concurrent hits
// from any number of processes cannot overshoot; on SQLite, write
// transactions take turns anyway. A refused hit changes nothing.
//
// The hit that opens a window deletes the user's windows that started a
// day or more before it, so old counters go as new ones come. The age is
// measured from h.WindowStart rather than the clock, so a window cannot
// be deleted while it is being counted in.
func (u *userStore) HitRate(ctx context.Context, h store.RateHit) (int, bool, error) {
	var count int
	var allowed bool
	start := micros(h.WindowStart)
	err := u.writeHot(ctx, func(t tx) error {
		if h.Limit <= 0 {
			return u.rateCount(ctx, t, h.KeyID, h.Rule, start, &count)
		}
		err := t.queryRow(ctx, `INSERT INTO rate_counters (user_id, key_id, rule, window_start, count) VALUES (?, ?, ?, ?, 1)
			ON CONFLICT (user_id, key_id, rule, window_start) DO UPDATE SET count = rate_counters.count + 1
			WHERE rate_counters.count < ?
			RETURNING count`, u.userID, h.KeyID, h.Rule, start, h.Limit).Scan(&count)
		if errors.Is(err, sql.ErrNoRows) { // the window is full
			return u.rateCount(ctx, t, h.KeyID, h.Rule, start, &count)
		}
		if err != nil {
			return err
		}
		allowed = true
		if count > 1 {
			return nil
		}
		_, err = t.exec(ctx, "DELETE FROM rate_counters WHERE user_id = ? AND window_start <= ?",
			u.userID, micros(h.WindowStart.Add(-rateRetention)))
		return err
	})
	if err != nil {
		return 0, false, fmt.Errorf("count a hit of rule %q of key %s: %w", h.Rule, h.KeyID, err)
	}
	return count, allowed, nil
}

// rateCount reads a window's count into n, 0 if it has none yet.
func (u *userStore) rateCount(ctx context.Context, t tx, keyID, rule string, start int64, n *int) error {
	return t.queryRow(ctx, `SELECT COALESCE(MAX(count), 0) FROM rate_counters
		WHERE user_id = ? AND key_id = ? AND rule = ? AND window_start = ?`, u.userID, keyID, rule, start).Scan(n)
}
