package audit

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/mcpgate/mcpgate/pkg/store"
	"github.com/mcpgate/mcpgate/pkg/vault"
)

// keyCacheTTL bounds how long an opened keyring stays in memory, like the
// vault's DEK cache; keyCacheSize bounds how many.
const (
	keyCacheTTL  = 5 * time.Minute
	keyCacheSize = 10000
)

// Keys opens users' audit keys through the vault, creating them (and
// re-chaining the user's legacy records under them) on first use, and
// caches the opened keys for a bounded time so the audit hot path pays no
// unseal per record. It is safe for concurrent use.
type Keys struct {
	st store.Store
	v  *vault.Vault

	mu     sync.Mutex
	cache  map[string]keyEntry
	loadMu sync.Mutex // one load (or migration) at a time
}

type keyEntry struct {
	ring    *Keyring
	expires time.Time
}

// NewKeys returns the audit keys of st's users, sealed by v.
func NewKeys(st store.Store, v *vault.Vault) *Keys {
	return &Keys{st: st, v: v, cache: map[string]keyEntry{}}
}

// Ensure returns the user's audit keys. A user without keys gets new ones,
// and the user's records, which are then all in the legacy format, are
// verified with the legacy algorithm and re-chained under the new key in
// the same transaction that stores it. If the legacy chain is broken,
// nothing changes and the error is the Break found: re-chaining would
// launder the tampering.
func (k *Keys) Ensure(ctx context.Context, userID string) (*Keyring, error) {
	if ring := k.cached(userID); ring != nil {
		return ring, nil
	}
	k.loadMu.Lock()
	defer k.loadMu.Unlock()
	if ring := k.cached(userID); ring != nil {
		return ring, nil
	}
	ring, err := k.load(ctx, userID)
	if errors.Is(err, store.ErrNotFound) {
		ring, _, err = k.create(ctx, userID)
		if errors.Is(err, store.ErrAlreadyExists) {
			// Another process keyed the user first.
			ring, err = k.load(ctx, userID)
		}
	}
	if err != nil {
		return nil, err
	}
	k.mu.Lock()
	if len(k.cache) >= keyCacheSize {
		for id := range k.cache {
			delete(k.cache, id)
			break
		}
	}
	k.cache[userID] = keyEntry{ring: ring, expires: time.Now().Add(keyCacheTTL)}
	k.mu.Unlock()
	return ring, nil
}

// Migrate is Ensure for a command that reports what it did: it returns how
// many legacy records it re-chained (0 if the user had keys already).
func (k *Keys) Migrate(ctx context.Context, userID string) (int64, error) {
	k.loadMu.Lock()
	defer k.loadMu.Unlock()
	_, err := k.load(ctx, userID)
	if !errors.Is(err, store.ErrNotFound) {
		return 0, err
	}
	_, n, err := k.create(ctx, userID)
	if errors.Is(err, store.ErrAlreadyExists) {
		return 0, nil
	}
	return n, err
}

// Forget drops a user's cached keys (after the user was removed).
func (k *Keys) Forget(userID string) {
	k.mu.Lock()
	delete(k.cache, userID)
	k.mu.Unlock()
}

func (k *Keys) cached(userID string) *Keyring {
	k.mu.Lock()
	defer k.mu.Unlock()
	if e, ok := k.cache[userID]; ok && time.Now().Before(e.expires) {
		return e.ring
	}
	return nil
}

// load opens the user's stored keys; store.ErrNotFound if there are none.
// Keys sealed under a DEK version that is no longer current are sealed
// again under the current one, so a DEK rotation can retire the old one.
func (k *Keys) load(ctx context.Context, userID string) (*Keyring, error) {
	us := k.st.User(userID)
	sk, err := us.AuditKey(ctx)
	if err != nil {
		return nil, fmt.Errorf("load audit keys: %w", err)
	}
	pt, err := k.v.OpenAuditKey(ctx, userID, sk.Sealed)
	if err != nil {
		return nil, fmt.Errorf("open audit keys: %w", err)
	}
	ring, err := parseKeyring(pt.Bytes())
	if err != nil {
		return nil, fmt.Errorf("open audit keys: %w", err)
	}
	if err := k.reseal(ctx, us, sk, ring); err != nil {
		return nil, err
	}
	return ring, nil
}

func (k *Keys) reseal(ctx context.Context, us store.UserStore, sk store.AuditKey, ring *Keyring) error {
	current, err := k.v.CurrentDEKVersion(ctx, sk.UserID)
	if err != nil || current == sk.DEKVersion {
		return err
	}
	sealed, version, err := k.v.SealAuditKey(ctx, sk.UserID, ring.bytes())
	if err != nil {
		return fmt.Errorf("seal audit keys: %w", err)
	}
	nk := sk
	nk.Sealed, nk.DEKVersion = sealed, version
	if err := us.ReplaceAuditKey(ctx, sk.DEKVersion, nk); err != nil && !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("seal audit keys again: %w", err)
	}
	return nil
}

// create makes, seals and stores new keys for the user, re-chaining the
// user's records under them; it returns how many it re-chained.
func (k *Keys) create(ctx context.Context, userID string) (*Keyring, int64, error) {
	ring, err := newKeyring()
	if err != nil {
		return nil, 0, err
	}
	sealed, version, err := k.v.SealAuditKey(ctx, userID, ring.bytes())
	if err != nil {
		return nil, 0, fmt.Errorf("seal audit keys: %w", err)
	}
	sk := store.AuditKey{UserID: userID, Sealed: sealed, DEKVersion: version, CreatedAt: time.Now().UTC()}
	var legacyPrev string
	first := true
	n, err := k.st.User(userID).KeyAudit(ctx, sk, func(prev string, r store.AuditRecord) (store.AuditRecord, error) {
		if first {
			legacyPrev, first = prev, false
		}
		if b := checkLegacy(userID, legacyPrev, r); b != nil {
			return r, b
		}
		legacyPrev = r.Hash
		r.PrevHash, r.Chain = prev, ChainKeyed
		r.Hash = ring.Hash(prev, r)
		return r, nil
	})
	if err != nil {
		return nil, 0, err
	}
	return ring, n, nil
}

// checkLegacy checks a record met by the migration: it must be in the
// legacy format, link to prev, and match its legacy hash.
func checkLegacy(userID, prev string, r store.AuditRecord) *Break {
	fail := func(reason string) *Break { return &Break{UserID: userID, Seq: r.Seq, Reason: reason} }
	switch {
	case r.Chain == ChainKeyed:
		return fail("it claims the keyed format, but the user has no audit key: the key was deleted from the database")
	case r.Chain != ChainLegacy:
		return fail(fmt.Sprintf("it names chain format %d, which this mcpgate does not know", r.Chain))
	case r.PrevHash != prev:
		return fail(reasonLink)
	case LegacyHash(r.PrevHash, r) != r.Hash:
		return fail(reasonContent)
	}
	return nil
}

// Reseal seals the user's audit keys again under the user's current DEK,
// if they are under an older one (after a DEK rotation added a version).
func (k *Keys) Reseal(ctx context.Context, userID string) error {
	k.loadMu.Lock()
	defer k.loadMu.Unlock()
	_, err := k.load(ctx, userID)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	return err
}
