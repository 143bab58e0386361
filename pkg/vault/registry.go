package vault

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/mcpgate/mcpgate/pkg/keyprovider"
	"github.com/mcpgate/mcpgate/pkg/store"
)

// ErrUntrusted means a KEK entry or a DEK row was not written by this
// mcpgate: it carries no MAC, or one that does not verify under the KEK
// registry's key. Someone who can write the database but holds no KEK can
// make such rows, never valid ones; mcpgate opens no URL and seals nothing
// on their word.
var ErrUntrusted = errors.New("not written by this mcpgate (no valid MAC under the KEK registry key)")

// Domain strings: the registry key's wrapping AAD and the two MAC inputs,
// distinct from each other and from a DEK's AAD.
const (
	registryAAD = "mcpgate.kek-registry.v1"
	entryDomain = "mcpgate.kek-entry.v1\x00"
	dekDomain   = "mcpgate.dek-row.v1\x00"
	macKeySize  = 32
)

// Registry is the table of KEKs this mcpgate has used (store.KEK): where
// each lives, so a process opens DEKs that a rotation run elsewhere moved
// to a KEK it was not started with.
//
// The database is not a root of trust for it. One random 256-bit MAC key
// authenticates the registry: every entry carries that key wrapped by the
// entry's own KEK and an HMAC-SHA256 over its id and URL. A process gets
// the key by unwrapping it with the KEK it was configured with, which only
// that KEK can do, and opens another KEK's URL only if that entry's MAC
// verifies. The same key MACs every DEK row (Vault.checkDEK). It is safe
// for concurrent use.
type Registry struct {
	st  store.Store
	kp  keyprovider.Provider // the configured KEK
	url string               // where it lives, from configuration

	mu     sync.Mutex
	macKey []byte
	opened map[string]keyprovider.Provider
}

// NewRegistry returns the registry as seen by a process configured with
// kp at url (the key_provider setting).
func NewRegistry(st store.Store, kp keyprovider.Provider, url string) *Registry {
	return &Registry{st: st, kp: kp, url: url}
}

// Record writes the authenticated entry for KEK p at rawURL: the registry
// key wrapped by p, and the MAC of p's id and rawURL. rawURL must come
// from configuration or the operator (the key_provider setting, `vault
// rotate-kek --to`), never from the database.
func (r *Registry) Record(ctx context.Context, p keyprovider.Provider, rawURL string) error {
	key, err := r.key(ctx)
	if err != nil {
		return err
	}
	wrapped, err := p.Wrap(ctx, key, []byte(registryAAD))
	if err != nil {
		return fmt.Errorf("wrap the KEK registry key under %s: %w", p.KeyID(), err)
	}
	e := store.KEK{ID: p.KeyID(), URL: rawURL, MACKey: wrapped, CreatedAt: time.Now().UTC()}
	e.MAC = entryMAC(key, e.ID, e.URL)
	if err := r.st.Privileged().PutKEK(ctx, e); err != nil {
		return fmt.Errorf("record KEK %s: %w", e.ID, err)
	}
	return nil
}

// Resolve opens the KEK with the given id: the configured one, or one
// whose entry verifies. The provider it opens must report that id.
func (r *Registry) Resolve(ctx context.Context, id string) (keyprovider.Provider, error) {
	if id == r.kp.KeyID() {
		return r.kp, nil
	}
	key, err := r.key(ctx)
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if p, ok := r.opened[id]; ok {
		return p, nil
	}
	keks, err := r.st.Privileged().KEKs(ctx)
	if err != nil {
		return nil, err
	}
	for _, e := range keks {
		if e.ID != id {
			continue
		}
		if !hmac.Equal(e.MAC, entryMAC(key, e.ID, e.URL)) {
			return nil, fmt.Errorf("KEK entry %s (%s) is refused, mcpgate will not open it: %w; someone with write access to the database added or changed it, or it was recorded by an older mcpgate: restore the keks table from a backup, or, to finish a KEK rotation to that key, run `mcpgate vault rotate-kek --to URL` again with its URL", e.ID, redact(e.URL), ErrUntrusted)
		}
		p, err := keyprovider.Open(ctx, e.URL)
		if err != nil {
			return nil, err
		}
		if p.KeyID() != id {
			p.Close()
			return nil, fmt.Errorf("the key at %s is now %s, not %s", redact(e.URL), p.KeyID(), id)
		}
		if r.opened == nil {
			r.opened = map[string]keyprovider.Provider{}
		}
		r.opened[id] = p
		return p, nil
	}
	return nil, fmt.Errorf("KEK %s is not recorded in the database", id)
}

// Close closes the providers Resolve opened (not the configured one).
func (r *Registry) Close() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, p := range r.opened {
		p.Close()
	}
	r.opened = nil
}

// key returns the registry's MAC key, unwrapped with the configured KEK
// from that KEK's entry. A database without any (a new one, or one from
// before entries were authenticated) gets a new key, stored under the
// configured KEK; if another process stores one first, both use that one.
func (r *Registry) key(ctx context.Context) ([]byte, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.macKey != nil {
		return r.macKey, nil
	}
	id := r.kp.KeyID()
	for range 2 {
		keks, err := r.st.Privileged().KEKs(ctx)
		if err != nil {
			return nil, fmt.Errorf("open the KEK registry: %w", err)
		}
		var own *store.KEK
		var others []string
		for i, e := range keks {
			switch {
			case e.ID == id:
				own = &keks[i]
			case len(e.MACKey) > 0:
				others = append(others, e.ID)
			}
		}
		switch {
		case own != nil && len(own.MACKey) > 0:
			key, err := r.kp.Unwrap(ctx, own.MACKey, []byte(registryAAD))
			if errors.Is(err, keyprovider.ErrWrongKey) || (err == nil && len(key) != macKeySize) {
				return nil, fmt.Errorf("open the KEK registry: the registry key stored in the entry of the configured KEK %s does not open with it: %w; the keks table was changed: restore it from a backup", id, ErrUntrusted)
			}
			if err != nil {
				return nil, fmt.Errorf("open the KEK registry: %w", err)
			}
			r.macKey = key
			return key, nil
		case len(others) > 0:
			return nil, fmt.Errorf("open the KEK registry: the configured KEK %s is not recorded in this database, which knows %s: point key_provider at the KEK in use (to move to a new one, run `mcpgate vault rotate-kek --to URL` with the current one configured): %w", id, strings.Join(others, ", "), ErrWrongKey)
		}
		if err := r.create(ctx); err != nil {
			return nil, err
		}
	}
	return nil, fmt.Errorf("open the KEK registry: the entry of KEK %s has no registry key after storing one: check the database", id)
}

// create stores a new registry key in the configured KEK's entry (PutKEK
// keeps one stored first by another process). The caller holds r.mu.
func (r *Registry) create(ctx context.Context) error {
	key := make([]byte, macKeySize)
	if _, err := rand.Read(key); err != nil {
		return fmt.Errorf("generate the KEK registry key: %w", err)
	}
	wrapped, err := r.kp.Wrap(ctx, key, []byte(registryAAD))
	if err != nil {
		return fmt.Errorf("wrap the KEK registry key: %w", err)
	}
	e := store.KEK{ID: r.kp.KeyID(), URL: r.url, MACKey: wrapped, CreatedAt: time.Now().UTC()}
	e.MAC = entryMAC(key, e.ID, e.URL)
	if err := r.st.Privileged().PutKEK(ctx, e); err != nil {
		return fmt.Errorf("store the KEK registry key: %w", err)
	}
	return nil
}

// entryMAC authenticates a KEK entry's id and URL.
func entryMAC(key []byte, id, rawURL string) []byte {
	return mac(key, entryDomain, []byte(id), []byte(rawURL))
}

// dekMAC authenticates a DEK row: its user, version, KEK id and wrapped
// bytes, so a row copied to another user or version, or pointed at
// another KEK, no longer verifies.
func dekMAC(key []byte, d store.DEK) []byte {
	return mac(key, dekDomain, []byte(d.UserID), binary.BigEndian.AppendUint32(nil, uint32(d.Version)), []byte(d.KEKID), d.Wrapped)
}

// mac is HMAC-SHA256 over the domain and length-prefixed fields.
func mac(key []byte, domain string, fields ...[]byte) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(domain))
	for _, f := range fields {
		h.Write(binary.BigEndian.AppendUint32(nil, uint32(len(f))))
		h.Write(f)
	}
	return h.Sum(nil)
}

// redact drops a URL's password, for messages.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparseable url)"
	}
	return u.Redacted()
}
