package vault

import (
	"context"
	"errors"
	"fmt"

	"github.com/mcpgate/mcpgate/pkg/store"
)

// adopt gives a DEK row under the current KEK that has no MAC (written
// before DEK rows were authenticated) its MAC, once the current KEK has
// unwrapped it: only a holder of that KEK could have made a row that
// opens, so the unwrap is the proof.
func (v *Vault) adopt(ctx context.Context, d store.DEK) error {
	if len(d.MAC) > 0 {
		return nil
	}
	if _, err := v.unwrap(ctx, d); err != nil {
		return fmt.Errorf("check DEK version %d of user %s: %w", d.Version, d.UserID, err)
	}
	signed, err := v.sign(ctx, d)
	if err != nil {
		return err
	}
	if err := v.st.Privileged().ReplaceDEK(ctx, d, signed); err != nil && !errors.Is(err, store.ErrNotFound) {
		// ErrNotFound: another rotation moved it meanwhile.
		return fmt.Errorf("store the MAC of DEK version %d of user %s: %w", d.Version, d.UserID, err)
	}
	return nil
}

// AdoptDEKs gives every DEK row under the current KEK that has no MAC its
// MAC (see adopt), and returns how many it adopted. `mcpgate init` runs it
// on an existing database; rows under other KEKs are left to `vault
// rotate-kek`, which rewraps them.
func (v *Vault) AdoptDEKs(ctx context.Context) (int, error) {
	deks, err := v.st.Privileged().ListDEKs(ctx)
	if err != nil {
		return 0, fmt.Errorf("list DEKs: %w", err)
	}
	n := 0
	for _, d := range deks {
		if d.KEKID != v.kp.KeyID() || len(d.MAC) > 0 {
			continue
		}
		if err := v.adopt(ctx, d); err != nil {
			return n, err
		}
		v.cache.forget(d.UserID)
		n++
	}
	return n, nil
}
