package vault_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mcpgate/mcpgate/pkg/store"
	"github.com/mcpgate/mcpgate/pkg/vault"
)

// raw writes the database past the store, as someone with write access to
// it but no KEK would.
func raw(t *testing.T, f *fixture, q string, args ...any) {
	t.Helper()
	db := f.st.(interface{ DB() *sql.DB }).DB()
	if _, err := db.ExecContext(context.Background(), q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

// withOtherKEK records a second local KEK and moves alice's DEK to it, so
// opening it needs the registry.
func withOtherKEK(t *testing.T, f *fixture) string {
	t.Helper()
	ctx := context.Background()
	other, otherURL := newKEKAt(t)
	if err := f.reg.Record(ctx, other, otherURL); err != nil {
		t.Fatal(err)
	}
	reg := vault.NewRegistry(f.st, other, otherURL)
	t.Cleanup(reg.Close)
	if _, err := vault.New(f.st, other, vault.Options{Registry: reg}).RotateKEK(ctx); err != nil {
		t.Fatal(err)
	}
	return other.KeyID()
}

// fresh is the vault of a new process configured with f's KEK: no cached
// DEK, no cached registry key.
func fresh(t *testing.T, f *fixture) *vault.Vault {
	reg := vault.NewRegistry(f.st, f.kp, f.kpURL)
	t.Cleanup(reg.Close)
	return vault.New(f.st, f.kp, vault.Options{Registry: reg})
}

func TestRegistryEntriesAreAuthenticated(t *testing.T) {
	tests := []struct {
		name   string
		tamper func(t *testing.T, f *fixture, otherID string)
		want   string // "" for no error
	}{
		{"an entry Record wrote opens", func(*testing.T, *fixture, string) {}, ""},
		{"an entry whose URL was changed is refused", func(t *testing.T, f *fixture, id string) {
			raw(t, f, "UPDATE keks SET url = $1 WHERE id = $2", "local:///tmp/elsewhere", id)
		}, "is refused"},
		{"an entry without a MAC is refused", func(t *testing.T, f *fixture, id string) {
			raw(t, f, "UPDATE keks SET mac = NULL WHERE id = $1", id)
		}, "is refused"},
		{"an entry carrying another entry's MAC is refused", func(t *testing.T, f *fixture, id string) {
			raw(t, f, "UPDATE keks SET mac = (SELECT k.mac FROM keks k WHERE k.id = $1) WHERE id = $2", f.kp.KeyID(), id)
		}, "is refused"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := setup(t)
			ctx := context.Background()
			sealed, _, err := f.v.Seal(ctx, f.alice, vault.PurposeCredential, "c1", []byte(canary))
			if err != nil {
				t.Fatal(err)
			}
			otherID := withOtherKEK(t, f)
			tt.tamper(t, f, otherID)
			_, err = fresh(t, f).Open(ctx, f.alice, vault.PurposeCredential, "c1", sealed)
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("Open: %v", err)
			case tt.want == "":
			case !errors.Is(err, vault.ErrUntrusted) || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), otherID):
				t.Fatalf("Open: got %v, want ErrUntrusted naming entry %s", err, otherID)
			}
		})
	}
}

func TestDEKRowsMustBeTheVaults(t *testing.T) {
	tests := []struct {
		name   string
		tamper func(t *testing.T, f *fixture)
		want   error // nil: sealing works
	}{
		{"a row the vault wrote seals", func(*testing.T, *fixture) {}, nil},
		{"a row copied to a new version is refused", func(t *testing.T, f *fixture) {
			raw(t, f, `INSERT INTO deks (user_id, version, kek_id, wrapped, mac, created_at)
				SELECT user_id, 2, kek_id, wrapped, mac, created_at FROM deks WHERE user_id = $1 AND version = 1`, f.alice)
		}, vault.ErrUntrusted},
		{"a row whose MAC was changed is refused", func(t *testing.T, f *fixture) {
			raw(t, f, "UPDATE deks SET mac = (SELECT d.mac FROM deks d WHERE d.user_id = $1) WHERE user_id = $2", f.bob, f.alice)
		}, vault.ErrUntrusted},
		{"a row without a MAC under the configured KEK (an older mcpgate's) seals", func(t *testing.T, f *fixture) {
			raw(t, f, "UPDATE deks SET mac = NULL WHERE user_id = $1", f.alice)
		}, nil},
		{"a row without a MAC under another KEK is refused, even one the registry knows", func(t *testing.T, f *fixture) {
			withOtherKEK(t, f)
			raw(t, f, "UPDATE deks SET mac = NULL WHERE user_id = $1", f.alice)
		}, vault.ErrUntrusted},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := setup(t)
			tt.tamper(t, f)
			_, _, err := fresh(t, f).Seal(context.Background(), f.alice, vault.PurposeCredential, "c1", []byte(canary))
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Fatalf("Seal: got %v, want %v", err, tt.want)
			}
			if err != nil && !strings.Contains(err.Error(), "of user "+f.alice) {
				t.Fatalf("the refusal does not name the row: %v", err)
			}
		})
	}
}

func TestAdoptDEKsGivesOlderRowsTheirMAC(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	raw(t, f, "UPDATE deks SET mac = NULL")
	n, err := fresh(t, f).AdoptDEKs(ctx)
	if err != nil || n != 2 {
		t.Fatalf("AdoptDEKs = %d, %v; want 2 rows adopted", n, err)
	}
	deks, err := f.st.Privileged().ListDEKs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range deks {
		if len(d.MAC) == 0 {
			t.Errorf("DEK of %s has no MAC after AdoptDEKs", d.UserID)
		}
	}
	// A row nobody with the KEK made is not adopted.
	raw(t, f, "INSERT INTO deks (user_id, version, kek_id, wrapped, created_at) VALUES ($1, 2, $2, $3, 0)",
		f.alice, f.kp.KeyID(), []byte("\x01not a wrap under this KEK, 12+16+32 bytes long......."))
	if _, err := fresh(t, f).AdoptDEKs(ctx); !errors.Is(err, vault.ErrWrongKey) {
		t.Fatalf("AdoptDEKs of a forged row: got %v, want ErrWrongKey", err)
	}
}

func TestRegistryKey(t *testing.T) {
	t.Run("a registry key that the configured KEK does not open is refused", func(t *testing.T) {
		f := setup(t)
		raw(t, f, "UPDATE keks SET mac_key = (SELECT d.wrapped FROM deks d WHERE d.user_id = $1) WHERE id = $2", f.alice, f.kp.KeyID())
		_, err := fresh(t, f).NewDEK(context.Background(), f.alice, 2)
		if !errors.Is(err, vault.ErrUntrusted) {
			t.Fatalf("NewDEK: got %v, want ErrUntrusted", err)
		}
	})
	t.Run("a KEK the registry does not know is the wrong key", func(t *testing.T) {
		f := setup(t)
		stranger := newKEK(t)
		err := vault.New(f.st, stranger, vault.Options{}).Check(context.Background(), f.alice)
		if !errors.Is(err, vault.ErrWrongKey) {
			t.Fatalf("Check: got %v, want ErrWrongKey", err)
		}
	})
	t.Run("processes that create the key at once agree on one", func(t *testing.T) {
		f := setup(t)
		ctx := context.Background()
		// Back to a database without a registry key (and without users
		// whose DEKs the old key MACed).
		raw(t, f, "DELETE FROM users")
		raw(t, f, "DELETE FROM keks")
		const n = 6
		deks := make([]store.DEK, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				deks[i], errs[i] = fresh(t, f).NewDEK(ctx, fmt.Sprintf("u_%d", i), 1)
			}()
		}
		wg.Wait()
		for i, d := range deks {
			if errs[i] != nil {
				t.Fatal(errs[i])
			}
			if err := f.st.Privileged().CreateUser(ctx, store.User{ID: d.UserID, Name: d.UserID, CreatedAt: time.Now()}, d); err != nil {
				t.Fatal(err)
			}
		}
		check := fresh(t, f)
		for _, d := range deks {
			if _, _, err := check.Seal(ctx, d.UserID, vault.PurposeCredential, "c1", []byte(canary)); err != nil {
				t.Fatalf("sealing with a DEK made by one of the racing processes: %v", err)
			}
		}
	})
}
