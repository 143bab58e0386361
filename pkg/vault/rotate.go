package vault

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/mcpgate/mcpgate/pkg/store"
)

// KEKResult says what a KEK rotation did.
type KEKResult struct {
	Rewrapped int // DEKs moved to the current KEK by this run
	Already   int // DEKs that were under it already
}

// RotateKEK rewraps every DEK that is not under the current KEK, one DEK
// per transaction, so that an interrupted rotation loses nothing and a
// second run finishes the job. DEKs under another KEK are opened through
// Options.Registry; every DEK it leaves carries its MAC.
func (v *Vault) RotateKEK(ctx context.Context) (KEKResult, error) {
	var res KEKResult
	deks, err := v.st.Privileged().ListDEKs(ctx)
	if err != nil {
		return res, fmt.Errorf("list DEKs: %w", err)
	}
	for _, d := range deks {
		if d.KEKID == v.kp.KeyID() {
			if err := v.adopt(ctx, d); err != nil {
				return res, err
			}
			res.Already++
			continue
		}
		nd, err := v.Rewrap(ctx, d)
		if err != nil {
			return res, fmt.Errorf("rewrap DEK version %d of user %s: %w", d.Version, d.UserID, err)
		}
		switch err := v.st.Privileged().ReplaceDEK(ctx, d, nd); {
		case errors.Is(err, store.ErrNotFound):
			// Another rotation rewrapped it first.
		case err != nil:
			return res, fmt.Errorf("store rewrapped DEK: %w", err)
		default:
			res.Rewrapped++
		}
		v.cache.forget(d.UserID)
	}
	return res, nil
}

// DEKResult says what a DEK rotation did for one user.
type DEKResult struct {
	Version     int // the user's DEK version now
	Reencrypted int // credentials sealed again under it
	Retired     int // old versions deleted
	// Pending counts old versions still in use (by a pending OAuth
	// authorization, or a write that raced the rotation); they are kept,
	// so nothing sealed under them is lost, and running the rotation
	// again (after the authorization finished or expired) retires them.
	Pending int
}

// RotateDEK gives the user a new DEK (unless an earlier rotation was
// interrupted, which it then finishes), seals every credential again
// under it, and deletes the old versions once nothing uses them.
// Credential updates are compare-and-swap, so a token refreshed by a
// running gateway meanwhile is never overwritten with a stale one.
func (v *Vault) RotateDEK(ctx context.Context, userID string) (DEKResult, error) {
	var res DEKResult
	us := v.st.User(userID)
	deks, err := us.ListDEKs(ctx)
	if err != nil || len(deks) == 0 {
		return res, fmt.Errorf("list DEKs: %w", errors.Join(err, errNoDEK(len(deks))))
	}
	current := deks[len(deks)-1]
	if len(deks) == 1 {
		nd, err := v.NewDEK(ctx, userID, current.Version+1)
		if err != nil {
			return res, err
		}
		if err := us.AddDEK(ctx, nd); err != nil && !errors.Is(err, store.ErrAlreadyExists) {
			return res, fmt.Errorf("add DEK: %w", err)
		}
		current = nd
	}
	v.cache.forget(userID)
	res.Version = current.Version
	for pass := 0; pass < 3; pass++ {
		n, err := v.reseal(ctx, us, current.Version)
		res.Reencrypted += n
		if err != nil {
			return res, err
		}
		retired, pending, err := v.retire(ctx, us, current.Version)
		res.Retired += retired
		res.Pending = pending
		if err != nil || pending == 0 {
			return res, err
		}
		time.Sleep(time.Second) // let a racing writer finish, then look again
	}
	return res, nil
}

func errNoDEK(n int) error {
	if n == 0 {
		return store.ErrNotFound
	}
	return nil
}

// reseal seals every connection not under version again under it.
func (v *Vault) reseal(ctx context.Context, us store.UserStore, version int) (int, error) {
	conns, err := us.ListConnections(ctx)
	if err != nil {
		return 0, fmt.Errorf("list connections: %w", err)
	}
	n := 0
	for _, c := range conns {
		if c.DEKVersion == version {
			continue
		}
		prev := c.UpdatedAt
		write := func(sealed []byte, dekVersion int) error {
			c.Credential, c.DEKVersion, c.UpdatedAt = sealed, dekVersion, after(prev)
			return us.UpdateConnectionIf(ctx, c, prev)
		}
		if len(c.Credential) == 0 {
			// Nothing is sealed (a credential lost before migration 7,
			// now marked for re-authorization): only the reference moves.
			err = write(nil, version)
		} else {
			pt, oerr := v.Open(ctx, c.UserID, PurposeCredential, c.ID, c.Credential)
			if oerr != nil {
				return n, fmt.Errorf("open credential of connection %s: %w", c.Name, oerr)
			}
			err = v.SealAndStore(ctx, c.UserID, PurposeCredential, c.ID, pt.Bytes(), write)
		}
		switch {
		case errors.Is(err, store.ErrConflict), errors.Is(err, store.ErrNotFound):
			// Changed or removed meanwhile; the next pass looks again.
		case err != nil:
			return n, fmt.Errorf("store connection %s: %w", c.Name, err)
		default:
			n++
		}
	}
	return n, nil
}

// retire deletes the versions below current that nothing uses any more.
// The store refuses to delete a version a row is sealed under, and to
// write a row under a deleted one, so a credential sealed by another
// process during the rotation is either re-sealed by the next pass or
// sealed again under the current version by its writer (SealAndStore).
func (v *Vault) retire(ctx context.Context, us store.UserStore, current int) (retired, pending int, err error) {
	deks, err := us.ListDEKs(ctx)
	if err != nil {
		return 0, 0, fmt.Errorf("list DEKs: %w", err)
	}
	for _, d := range deks {
		if d.Version >= current {
			continue
		}
		switch err := us.DeleteDEK(ctx, d.Version); {
		case errors.Is(err, store.ErrInUse):
			pending++
		case err != nil && !errors.Is(err, store.ErrNotFound):
			return retired, pending, fmt.Errorf("delete DEK version %d: %w", d.Version, err)
		default:
			retired++
		}
	}
	return retired, pending, nil
}

// after is the UpdatedAt of a write replacing a row stamped prev: now, or
// just after prev if the clock has not moved past it (the store keeps
// microseconds), so that a compare-and-swap by a writer that read the row
// before always sees the change.
func after(prev time.Time) time.Time {
	now := time.Now().UTC().Truncate(time.Microsecond)
	if !now.After(prev) {
		now = prev.UTC().Truncate(time.Microsecond).Add(time.Microsecond)
	}
	return now
}
