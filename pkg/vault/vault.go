package vault

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/mcpgate/mcpgate/pkg/keyprovider"
	"github.com/mcpgate/mcpgate/pkg/secret"
	"github.com/mcpgate/mcpgate/pkg/store"
)

const (
	formatV1   = 1
	headerSize = 1 + 4
	nonceSize  = 12
	dekSize    = 32
)

// Purposes name what a sealed value is, and are bound into its AAD.
const (
	PurposeCredential  = "connection.credential"
	PurposeOAuthVerify = "oauth.verifier"
	// PurposeApprovalArgs names the full arguments of a call that waits
	// for a person's approval, sealed so the approver can open them.
	PurposeApprovalArgs = "approval.arguments"
)

var (
	// ErrWrongKey means the configured KEK is not the one that wrapped a
	// user's DEK.
	ErrWrongKey = errors.New("the configured KEK does not open this user's data key")
	// ErrTampered means a sealed value failed authentication: it was
	// changed, truncated, or moved from another record or user.
	ErrTampered = errors.New("sealed value failed authentication (changed, truncated or moved from another record)")
)

// Options tunes the DEK cache and says how to find other KEKs.
type Options struct {
	CacheTTL  time.Duration // default 5 minutes
	CacheSize int           // default 10000 DEKs
	// Now tells the cache the time (default time.Now); tests move it.
	Now func() time.Time
	// Registry authenticates DEK rows and opens the KEKs of DEKs wrapped
	// by a KEK other than the current one (during and after a KEK
	// rotation). Nil: a registry of the vault's own, whose configured
	// KEK's URL is not known (it records none).
	Registry *Registry
}

// Vault seals and opens credentials. It is safe for concurrent use.
type Vault struct {
	st    store.Store
	kp    keyprovider.Provider
	reg   *Registry
	cache *dekCache
}

// New returns a vault over st whose DEKs are wrapped by kp.
func New(st store.Store, kp keyprovider.Provider, opts Options) *Vault {
	if opts.CacheTTL <= 0 {
		opts.CacheTTL = 5 * time.Minute
	}
	if opts.CacheSize <= 0 {
		opts.CacheSize = 10000
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Registry == nil {
		opts.Registry = NewRegistry(st, kp, "")
	}
	return &Vault{st: st, kp: kp, reg: opts.Registry, cache: newDEKCache(opts.CacheTTL, opts.CacheSize, opts.Now)}
}

// KeyID names the KEK new DEKs are wrapped with.
func (v *Vault) KeyID() string { return v.kp.KeyID() }

// NewDEK makes a fresh DEK for userID, wrapped, MACed and ready to store.
func (v *Vault) NewDEK(ctx context.Context, userID string, version int) (store.DEK, error) {
	raw := make([]byte, dekSize)
	if _, err := rand.Read(raw); err != nil {
		return store.DEK{}, fmt.Errorf("generate DEK: %w", err)
	}
	wrapped, err := v.kp.Wrap(ctx, raw, dekAAD(userID))
	if err != nil {
		return store.DEK{}, fmt.Errorf("wrap DEK: %w", err)
	}
	d := store.DEK{UserID: userID, Version: version, KEKID: v.kp.KeyID(), Wrapped: wrapped, CreatedAt: time.Now()}
	return v.sign(ctx, d)
}

// sign sets d's MAC.
func (v *Vault) sign(ctx context.Context, d store.DEK) (store.DEK, error) {
	key, err := v.reg.key(ctx)
	if err != nil {
		return store.DEK{}, err
	}
	d.MAC = dekMAC(key, d)
	return d, nil
}

// checkDEK proves that the vault wrote d: its MAC verifies under the
// registry key. A row without a MAC (written before rows were
// authenticated) is accepted only under the configured KEK, whose unwrap
// then proves it: nobody without that KEK can make one that opens.
func (v *Vault) checkDEK(ctx context.Context, d store.DEK) error {
	if len(d.MAC) == 0 {
		if d.KEKID == v.kp.KeyID() {
			return nil
		}
		return fmt.Errorf("DEK version %d of user %s names KEK %s but carries no MAC: %w; someone with write access to the database may have added it, and mcpgate will not seal or open with it: delete that row or restore the deks table from a backup (a row from an older mcpgate gets its MAC from `mcpgate init` or `mcpgate vault rotate-kek` run with that KEK configured)", d.Version, d.UserID, d.KEKID, ErrUntrusted)
	}
	key, err := v.reg.key(ctx)
	if err != nil {
		return err
	}
	if !hmac.Equal(d.MAC, dekMAC(key, d)) {
		return fmt.Errorf("DEK version %d of user %s (KEK %s): %w; someone with write access to the database added or changed it, and mcpgate will not seal or open with it: delete that row or restore the deks table from a backup", d.Version, d.UserID, d.KEKID, ErrUntrusted)
	}
	return nil
}

// Check proves the KEK works with a wrap/unwrap round trip, and, if userID
// is not empty, that it opens that user's stored DEK.
func (v *Vault) Check(ctx context.Context, userID string) error {
	probe := make([]byte, dekSize)
	if _, err := rand.Read(probe); err != nil {
		return err
	}
	w, err := v.kp.Wrap(ctx, probe, []byte("mcpgate check"))
	if err != nil {
		return fmt.Errorf("check KEK: %w", err)
	}
	if _, err := v.kp.Unwrap(ctx, w, []byte("mcpgate check")); err != nil {
		return fmt.Errorf("check KEK: %w", err)
	}
	if userID == "" {
		return nil
	}
	_, _, err = v.dek(ctx, userID, 0)
	return err
}

// Seal encrypts plaintext for (purpose, user, record) and returns the
// sealed bytes and the DEK version used. A caller that stores the result
// should use SealAndStore, which seals again if a rotation retired the
// version before the write.
func (v *Vault) Seal(ctx context.Context, userID, purpose, recordID string, plaintext []byte) ([]byte, int, error) {
	aead, version, err := v.dek(ctx, userID, 0)
	if err != nil {
		return nil, 0, err
	}
	out := make([]byte, headerSize+nonceSize, headerSize+nonceSize+len(plaintext)+aead.Overhead())
	out[0] = formatV1
	binary.BigEndian.PutUint32(out[1:headerSize], uint32(version))
	nonce := out[headerSize:]
	if _, err := rand.Read(nonce); err != nil {
		return nil, 0, fmt.Errorf("generate nonce: %w", err)
	}
	out = aead.Seal(out, nonce, plaintext, sealAAD(out[:headerSize], purpose, userID, recordID))
	return out, version, nil
}

// staleRetries bounds how often SealAndStore seals again after its write
// found the version retired: each retry reads the current version from
// the store, so only rotations finishing back to back can use them up.
const staleRetries = 5

// SealAndStore seals plaintext as Seal does and hands the sealed bytes and
// their DEK version to write, which must store them (with the version) in
// one transaction of the store. If write reports store.ErrStaleDEK, a
// rotation retired the version after this process looked it up: the vault
// reads the current version again and seals anew. So a stored value never
// names a version that is gone, and none is lost to a rotation. write may
// run more than once; its last error is returned.
func (v *Vault) SealAndStore(ctx context.Context, userID, purpose, recordID string, plaintext []byte, write func(sealed []byte, version int) error) error {
	for attempt := 0; ; attempt++ {
		sealed, version, err := v.Seal(ctx, userID, purpose, recordID, plaintext)
		if err != nil {
			return err
		}
		err = write(sealed, version)
		if !errors.Is(err, store.ErrStaleDEK) || attempt == staleRetries {
			return err
		}
		v.cache.forgetCurrent(userID)
	}
}

// Open decrypts a value sealed by Seal for the same (purpose, user, record).
func (v *Vault) Open(ctx context.Context, userID, purpose, recordID string, sealed []byte) (secret.Value, error) {
	if len(sealed) < headerSize+nonceSize+16 || sealed[0] != formatV1 {
		return secret.Value{}, ErrTampered
	}
	version := int(binary.BigEndian.Uint32(sealed[1:headerSize]))
	if version == 0 {
		return secret.Value{}, ErrTampered
	}
	aead, _, err := v.dek(ctx, userID, version)
	if errors.Is(err, store.ErrNotFound) {
		return secret.Value{}, fmt.Errorf("open: sealed under DEK version %d, which the user no longer has: %w", version, ErrTampered)
	}
	if err != nil {
		return secret.Value{}, err
	}
	nonce := sealed[headerSize : headerSize+nonceSize]
	pt, err := aead.Open(nil, nonce, sealed[headerSize+nonceSize:], sealAAD(sealed[:headerSize], purpose, userID, recordID))
	if err != nil {
		return secret.Value{}, ErrTampered
	}
	return secret.New(pt), nil
}

// Forget drops userID's cached DEK (after a rotation or user removal).
func (v *Vault) Forget(userID string) { v.cache.forget(userID) }

// dek returns one version of the user's DEK (0: the current one) as an
// AEAD, from the cache or the store, and the version it is.
func (v *Vault) dek(ctx context.Context, userID string, version int) (cipher.AEAD, int, error) {
	us := v.st.User(userID)
	if version == 0 {
		return v.currentDEK(ctx, us)
	}
	aead, err := v.cache.get(cacheKey{userID, version}, func() (cipher.AEAD, error) {
		d, err := us.DEKVersion(ctx, version)
		if err != nil {
			return nil, fmt.Errorf("load DEK: %w", err)
		}
		return v.open(ctx, d)
	})
	return aead, version, err
}

// currentDEK returns the user's current DEK. Which version that is, is
// cached only for as long as the store's generation stays put (a DEK
// version added or deleted by any process moves it): the generation is
// read first, so a version read after it is current at least as of it.
func (v *Vault) currentDEK(ctx context.Context, us store.UserStore) (cipher.AEAD, int, error) {
	userID := us.UserID()
	gen, err := v.st.Generation(ctx)
	if err != nil {
		return nil, 0, fmt.Errorf("load DEK: %w", err)
	}
	if version, ok := v.cache.currentVersion(userID, gen); ok {
		return v.dek(ctx, userID, version)
	}
	d, err := us.DEK(ctx)
	if err != nil {
		return nil, 0, fmt.Errorf("load DEK: %w", err)
	}
	aead, err := v.cache.get(cacheKey{userID, d.Version}, func() (cipher.AEAD, error) { return v.open(ctx, d) })
	if err != nil {
		return nil, 0, err
	}
	v.cache.setCurrent(userID, d.Version, gen)
	return aead, d.Version, nil
}

// open unwraps d into an AEAD.
func (v *Vault) open(ctx context.Context, d store.DEK) (cipher.AEAD, error) {
	raw, err := v.unwrap(ctx, d)
	if err != nil {
		return nil, err
	}
	return newAEAD(raw)
}

// unwrap opens a stored DEK with the KEK that wrapped it, once the row
// proves the vault wrote it.
func (v *Vault) unwrap(ctx context.Context, d store.DEK) ([]byte, error) {
	if err := v.checkDEK(ctx, d); err != nil {
		return nil, err
	}
	kp := v.kp
	if d.KEKID != v.kp.KeyID() {
		other, err := v.reg.Resolve(ctx, d.KEKID)
		if err != nil {
			return nil, fmt.Errorf("user's data key was wrapped by KEK %s, which cannot be opened (%w); point key_provider at it or finish the rotation: %w", d.KEKID, err, ErrWrongKey)
		}
		kp = other
	}
	raw, err := kp.Unwrap(ctx, d.Wrapped, dekAAD(d.UserID))
	if errors.Is(err, keyprovider.ErrWrongKey) {
		return nil, fmt.Errorf("unwrap DEK: %w", ErrWrongKey)
	}
	if err != nil {
		return nil, fmt.Errorf("unwrap DEK: %w", err)
	}
	return raw, nil
}

// Rewrap returns d wrapped by the current KEK (for KEK rotation).
func (v *Vault) Rewrap(ctx context.Context, d store.DEK) (store.DEK, error) {
	raw, err := v.unwrap(ctx, d)
	if err != nil {
		return store.DEK{}, err
	}
	wrapped, err := v.kp.Wrap(ctx, raw, dekAAD(d.UserID))
	if err != nil {
		return store.DEK{}, fmt.Errorf("wrap DEK: %w", err)
	}
	out := d
	out.KEKID, out.Wrapped = v.kp.KeyID(), wrapped
	return v.sign(ctx, out)
}

func newAEAD(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("new cipher: %w", err)
	}
	return cipher.NewGCM(block)
}

func dekAAD(userID string) []byte { return []byte("mcpgate.dek.v1\x00" + userID) }

func sealAAD(header []byte, purpose, userID, recordID string) []byte {
	aad := make([]byte, 0, len(header)+64)
	aad = append(aad, header...)
	aad = append(aad, "mcpgate.seal.v1\x00"...)
	for _, s := range []string{purpose, userID, recordID} {
		aad = binary.BigEndian.AppendUint32(aad, uint32(len(s)))
		aad = append(aad, s...)
	}
	return aad
}
