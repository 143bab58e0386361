package sqlstore

import "context"

// WithConnectionLock holds the dialect's lock on connID in a transaction
// of its own while fn runs, so fn's reads and writes (on other pooled
// connections) are not part of it. Without a dialect lock (SQLite, whose
// writers are serve alone) fn just runs.
func (u *userStore) WithConnectionLock(ctx context.Context, connID string, fn func(context.Context) error) error {
	if u.s.d.Lock == nil {
		return fn(ctx)
	}
	var (
		ran   bool
		fnErr error
	)
	err := u.write(ctx, func(t tx) error {
		if err := t.lock(ctx, "connection:"+connID); err != nil {
			return err
		}
		ran, fnErr = true, fn(ctx)
		return nil
	})
	if ran {
		// fn's outcome is what counts: the lock's transaction wrote
		// nothing, and ending it releases the lock either way.
		return fnErr
	}
	return err
}
