package local

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"

	"github.com/mcpgate/mcpgate/pkg/keyprovider"
	"github.com/mcpgate/mcpgate/pkg/safefile"
)

// KeySize is the KEK length in bytes.
const KeySize = 32

// format version of a wrapped DEK: version || nonce || sealed.
const wrapVersion = 1

func init() { keyprovider.Register("local", open) }

// Provider wraps DEKs with AES-256-GCM under a KEK read from a file.
type Provider struct {
	aead cipher.AEAD
	id   string
}

var _ keyprovider.Provider = (*Provider)(nil)

func open(_ context.Context, u *url.URL) (keyprovider.Provider, error) {
	path := u.Path
	if u.Opaque != "" {
		path = u.Opaque
	}
	if path == "" {
		return nil, errors.New("key provider: local URL needs a file path, e.g. local:///var/lib/mcpgate/kek")
	}
	return Load(path)
}

// Load reads the KEK at path. It refuses a file that is missing, not a
// regular file (a FIFO would block forever), a symbolic link, of the
// wrong size, or readable by group or others.
func Load(path string) (*Provider, error) {
	kek, mode, err := safefile.Read(path, KeySize, safefile.NoSymlinks)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("KEK file %s does not exist: run `mcpgate init`, or point key_provider at the existing key file", path)
	}
	if errors.Is(err, safefile.ErrTooLarge) {
		return nil, fmt.Errorf("KEK file %s holds more than %d bytes: it is not an mcpgate key file", path, KeySize)
	}
	if err != nil {
		return nil, fmt.Errorf("read KEK file: %w", err)
	}
	if safefile.Loose(mode, 0o077) {
		return nil, fmt.Errorf("KEK file %s has mode %04o: it must be readable by its owner only; run `chmod 600 %s`", path, mode.Perm(), path)
	}
	if len(kek) != KeySize {
		return nil, fmt.Errorf("KEK file %s holds %d bytes, want %d: it is not an mcpgate key file", path, len(kek), KeySize)
	}
	return New(kek)
}

// New makes a provider from a raw 32-byte KEK.
func New(kek []byte) (*Provider, error) {
	if len(kek) != KeySize {
		return nil, fmt.Errorf("KEK is %d bytes, want %d", len(kek), KeySize)
	}
	block, err := aes.NewCipher(kek)
	if err != nil {
		return nil, fmt.Errorf("new cipher: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("new gcm: %w", err)
	}
	// The id is a fingerprint, not the key: a domain-separated hash lets a
	// wrong key file be named as such before any decryption is tried.
	sum := sha256.Sum256(append([]byte("mcpgate kek id\x00"), kek...))
	return &Provider{aead: aead, id: "local:" + hex.EncodeToString(sum[:8])}, nil
}

// Create writes a new random KEK to path with mode 0600, creating its
// directory with mode 0700. It never overwrites an existing file.
func Create(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("create KEK directory: %w", err)
	}
	kek := make([]byte, KeySize)
	if _, err := rand.Read(kek); err != nil {
		return fmt.Errorf("generate KEK: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("KEK file %s already exists; mcpgate never overwrites a KEK (it would make every stored credential unreadable)", path)
	}
	if err != nil {
		return fmt.Errorf("create KEK file: %w", err)
	}
	if _, err := f.Write(kek); err != nil {
		f.Close()
		os.Remove(path)
		return fmt.Errorf("write KEK file: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		os.Remove(path)
		return fmt.Errorf("sync KEK file: %w", err)
	}
	return f.Close()
}

// KeyID implements keyprovider.Provider.
func (p *Provider) KeyID() string { return p.id }

// Wrap implements keyprovider.Provider.
func (p *Provider) Wrap(_ context.Context, dek, aad []byte) ([]byte, error) {
	out := make([]byte, 1, 1+p.aead.NonceSize()+len(dek)+p.aead.Overhead())
	out[0] = wrapVersion
	nonce := make([]byte, p.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("generate nonce: %w", err)
	}
	out = append(out, nonce...)
	return p.aead.Seal(out, nonce, dek, aad), nil
}

// Unwrap implements keyprovider.Provider.
func (p *Provider) Unwrap(_ context.Context, wrapped, aad []byte) ([]byte, error) {
	ns := p.aead.NonceSize()
	if len(wrapped) < 1+ns+p.aead.Overhead() || wrapped[0] != wrapVersion {
		return nil, keyprovider.ErrWrongKey
	}
	dek, err := p.aead.Open(nil, wrapped[1:1+ns], wrapped[1+ns:], aad)
	if err != nil {
		return nil, keyprovider.ErrWrongKey
	}
	return dek, nil
}

// Close implements keyprovider.Provider.
func (p *Provider) Close() error { return nil }
