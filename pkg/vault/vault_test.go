package vault_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/mcpgate/mcpgate/pkg/keyprovider/local"
	"github.com/mcpgate/mcpgate/pkg/store"
	_ "github.com/mcpgate/mcpgate/pkg/store/sqlite"
	"github.com/mcpgate/mcpgate/pkg/vault"
)

const canary = "ghp_CANARYcanary0123456789SECRETvalue"

type fixture struct {
	st     store.Store
	kp     *local.Provider
	kpURL  string
	reg    *vault.Registry
	v      *vault.Vault
	dbPath string
	alice  string
	bob    string
}

func newKEK(t *testing.T) *local.Provider {
	t.Helper()
	kp, _ := newKEKAt(t)
	return kp
}

// newKEKAt creates a local KEK file and returns it with its URL.
func newKEKAt(t *testing.T) (*local.Provider, string) {
	t.Helper()
	p := filepath.Join(t.TempDir(), "kek")
	if err := local.Create(p); err != nil {
		t.Fatal(err)
	}
	kp, err := local.Load(p)
	if err != nil {
		t.Fatal(err)
	}
	return kp, "local://" + p
}

func setup(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	dbPath := filepath.Join(t.TempDir(), "mcpgate.db")
	st, err := store.Open(ctx, "sqlite://"+dbPath)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	kp, kpURL := newKEKAt(t)
	reg := vault.NewRegistry(st, kp, kpURL)
	t.Cleanup(reg.Close)
	f := &fixture{st: st, kp: kp, kpURL: kpURL, reg: reg, v: vault.New(st, kp, vault.Options{Registry: reg}), dbPath: dbPath}
	f.alice = f.addUser(t, "u_alice", "alice")
	f.bob = f.addUser(t, "u_bob", "bob")
	return f
}

func (f *fixture) addUser(t *testing.T, id, name string) string {
	t.Helper()
	ctx := context.Background()
	dek, err := f.v.NewDEK(ctx, id, 1)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.st.Privileged().CreateUser(ctx, store.User{ID: id, Name: name, CreatedAt: time.Now()}, dek); err != nil {
		t.Fatal(err)
	}
	return id
}

func TestRoundTrip(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	sealed, ver, err := f.v.Seal(ctx, f.alice, vault.PurposeCredential, "c1", []byte(canary))
	if err != nil {
		t.Fatal(err)
	}
	if ver != 1 {
		t.Errorf("DEK version = %d, want 1", ver)
	}
	got, err := f.v.Open(ctx, f.alice, vault.PurposeCredential, "c1", sealed)
	if err != nil {
		t.Fatal(err)
	}
	if got.Reveal() != canary {
		t.Fatal("Open returned other bytes")
	}
	again, _, _ := f.v.Seal(ctx, f.alice, vault.PurposeCredential, "c1", []byte(canary))
	if bytes.Equal(sealed, again) {
		t.Fatal("two seals of the same plaintext are identical")
	}
}

func TestOpenRefusesMovedOrChangedValues(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	sealed, _, err := f.v.Seal(ctx, f.alice, vault.PurposeCredential, "c1", []byte(canary))
	if err != nil {
		t.Fatal(err)
	}
	flip := func(i int) []byte {
		c := bytes.Clone(sealed)
		c[i] ^= 0x01
		return c
	}
	tests := []struct {
		name                  string
		user, purpose, record string
		data                  []byte
	}{
		{"tampered ciphertext", f.alice, vault.PurposeCredential, "c1", flip(len(sealed) - 20)},
		{"tampered nonce", f.alice, vault.PurposeCredential, "c1", flip(6)},
		{"tampered header", f.alice, vault.PurposeCredential, "c1", flip(0)},
		{"truncated", f.alice, vault.PurposeCredential, "c1", sealed[:len(sealed)-1]},
		{"empty", f.alice, vault.PurposeCredential, "c1", nil},
		{"swapped row", f.alice, vault.PurposeCredential, "c2", sealed},
		{"other purpose", f.alice, vault.PurposeOAuthVerify, "c1", sealed},
		{"swapped user", f.bob, vault.PurposeCredential, "c1", sealed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.v.Open(ctx, tt.user, tt.purpose, tt.record, tt.data)
			if !errors.Is(err, vault.ErrTampered) {
				t.Fatalf("Open: got %v, want ErrTampered", err)
			}
		})
	}
}

func TestWrongKEKIsNamed(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	sealed, _, err := f.v.Seal(ctx, f.alice, vault.PurposeCredential, "c1", []byte(canary))
	if err != nil {
		t.Fatal(err)
	}
	other := vault.New(f.st, newKEK(t), vault.Options{})
	if _, err := other.Open(ctx, f.alice, vault.PurposeCredential, "c1", sealed); !errors.Is(err, vault.ErrWrongKey) {
		t.Fatalf("Open with another KEK: got %v, want ErrWrongKey", err)
	}
	if err := other.Check(ctx, f.alice); !errors.Is(err, vault.ErrWrongKey) {
		t.Fatalf("Check with another KEK: got %v, want ErrWrongKey", err)
	}
}

func TestDatabaseHoldsNoPlaintext(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	sealed, ver, err := f.v.Seal(ctx, f.alice, vault.PurposeCredential, "c_1", []byte(canary))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	if err := f.st.User(f.alice).CreateConnection(ctx, store.Connection{
		ID: "c_1", UserID: f.alice, Name: "github", Provider: "github", AuthKind: "api_key",
		Status: "ok", Credential: sealed, DEKVersion: ver, CreatedAt: now, UpdatedAt: now,
	}); err != nil {
		t.Fatal(err)
	}
	f.st.Close()
	for _, suffix := range []string{"", "-wal", "-shm"} {
		raw, err := os.ReadFile(f.dbPath + suffix)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(raw, []byte(canary)) || bytes.Contains(raw, []byte("CANARYcanary")) {
			t.Fatalf("database file %s holds the plaintext credential", filepath.Base(f.dbPath+suffix))
		}
	}
}

func TestDEKIsStoredWrapped(t *testing.T) {
	f := setup(t)
	d, err := f.st.User(f.alice).DEK(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if d.KEKID != f.v.KeyID() || len(d.Wrapped) <= 32 {
		t.Fatalf("DEK = {KEKID %q, %d bytes}: want wrapped under %q", d.KEKID, len(d.Wrapped), f.v.KeyID())
	}
}
