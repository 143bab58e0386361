package vault_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/mcpgate/mcpgate/pkg/store"
	"github.com/mcpgate/mcpgate/pkg/vault"
)

// failingStore makes ReplaceDEK fail after n successes, as a rotation killed
// part-way would stop.
type failingStore struct {
	store.Store
	left *int
}

type failingPriv struct {
	store.Privileged
	left *int
}

func (f failingStore) Privileged() store.Privileged { return failingPriv{f.Store.Privileged(), f.left} }

func (f failingPriv) ReplaceDEK(ctx context.Context, old, updated store.DEK) error {
	if *f.left == 0 {
		return errors.New("killed")
	}
	*f.left--
	return f.Privileged.ReplaceDEK(ctx, old, updated)
}

func sealFor(t *testing.T, f *fixture, v *vault.Vault, users []string) map[string][]byte {
	t.Helper()
	ctx := context.Background()
	sealed := map[string][]byte{}
	for _, u := range users {
		ct, ver, err := v.Seal(ctx, u, vault.PurposeCredential, "c_"+u, []byte("secret of "+u))
		if err != nil {
			t.Fatal(err)
		}
		now := time.Now()
		if err := f.st.User(u).CreateConnection(ctx, store.Connection{ID: "c_" + u, UserID: u, Name: "github", Provider: "github",
			AuthKind: "api_key", Status: "ok", Credential: ct, DEKVersion: ver, CreatedAt: now, UpdatedAt: now}); err != nil {
			t.Fatal(err)
		}
		sealed[u] = ct
	}
	return sealed
}

func TestInterruptedKEKRotationFinishesOnRerun(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	users := []string{f.alice, f.bob}
	for i := range 4 {
		users = append(users, f.addUser(t, fmt.Sprintf("u_%d", i), fmt.Sprintf("user%d", i)))
	}
	sealFor(t, f, f.v, users)
	newKP, newURL := newKEKAt(t)
	if err := f.reg.Record(ctx, newKP, newURL); err != nil {
		t.Fatal(err)
	}
	left := 2
	killed := vault.New(failingStore{f.st, &left}, newKP, vault.Options{})
	res, err := killed.RotateKEK(ctx)
	if err == nil || res.Rewrapped != 2 {
		t.Fatalf("interrupted rotation: %+v, %v; want 2 rewrapped then an error", res, err)
	}
	again := vault.New(f.st, newKP, vault.Options{})
	res, err = again.RotateKEK(ctx)
	if err != nil || res.Rewrapped != 4 || res.Already != 2 {
		t.Fatalf("re-run: %+v, %v; want 4 rewrapped, 2 already done", res, err)
	}
	// Every credential opens with the new KEK alone.
	only := vault.New(f.st, newKP, vault.Options{})
	for _, u := range users {
		c, err := f.st.User(u).Connection(ctx, "github")
		if err != nil {
			t.Fatal(err)
		}
		if got, err := only.Open(ctx, u, vault.PurposeCredential, c.ID, c.Credential); err != nil || got.Reveal() != "secret of "+u {
			t.Fatalf("user %s after rotation: %v", u, err)
		}
	}
}

func TestDEKRotationReencryptsAndRetires(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	sealFor(t, f, f.v, []string{f.alice})
	res, err := f.v.RotateDEK(ctx, f.alice)
	if err != nil || res.Version != 2 || res.Reencrypted != 1 || res.Retired != 1 || res.Pending != 0 {
		t.Fatalf("rotate-dek: %+v, %v", res, err)
	}
	deks, _ := f.st.User(f.alice).ListDEKs(ctx)
	if len(deks) != 1 || deks[0].Version != 2 {
		t.Fatalf("DEKs after rotation: %+v", deks)
	}
	c, _ := f.st.User(f.alice).Connection(ctx, "github")
	if got, err := f.v.Open(ctx, f.alice, vault.PurposeCredential, c.ID, c.Credential); err != nil || got.Reveal() != "secret of "+f.alice || c.DEKVersion != 2 {
		t.Fatalf("credential after DEK rotation: version %d, %v", c.DEKVersion, err)
	}
}

// TestSealFollowsAnotherProcesssRotationAtOnce: a vault that cached the
// user's current DEK version seals under the new one as soon as another
// process's rotation added it (the store's generation moved), not when
// its cache expires.
func TestSealFollowsAnotherProcesssRotationAtOnce(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	if _, ver, err := f.v.Seal(ctx, f.alice, vault.PurposeCredential, "c1", []byte(canary)); err != nil || ver != 1 {
		t.Fatalf("first seal: version %d, %v; want 1", ver, err)
	}
	other := vault.New(f.st, f.kp, vault.Options{})
	res, err := other.RotateDEK(ctx, f.alice)
	if err != nil || res.Version != 2 || res.Retired != 1 {
		t.Fatalf("rotate-dek in another process: %+v, %v", res, err)
	}
	sealed, ver, err := f.v.Seal(ctx, f.alice, vault.PurposeCredential, "c1", []byte(canary))
	if err != nil || ver != 2 {
		t.Fatalf("seal after the rotation: version %d, %v; want 2", ver, err)
	}
	if got, err := other.Open(ctx, f.alice, vault.PurposeCredential, "c1", sealed); err != nil || got.Reveal() != canary {
		t.Fatalf("open in the other process: %v", err)
	}
}

// TestSealAndStoreSealsAgainUnderTheCurrentVersion: a write that finds the
// version it sealed under retired is sealed again under the current one.
func TestSealAndStoreSealsAgainUnderTheCurrentVersion(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	if _, _, err := f.v.Seal(ctx, f.alice, vault.PurposeCredential, "c1", []byte(canary)); err != nil {
		t.Fatal(err)
	}
	if _, err := vault.New(f.st, f.kp, vault.Options{}).RotateDEK(ctx, f.alice); err != nil {
		t.Fatal(err)
	}
	var versions []int
	err := f.v.SealAndStore(ctx, f.alice, vault.PurposeCredential, "c1", []byte(canary), func(_ []byte, version int) error {
		versions = append(versions, version)
		if len(versions) == 1 {
			return fmt.Errorf("create connection: %w", store.ErrStaleDEK) // as if the rotation ran between seal and write
		}
		return nil
	})
	if err != nil || len(versions) != 2 || versions[1] != 2 {
		t.Fatalf("SealAndStore: versions tried %v, %v; want a second try under version 2", versions, err)
	}
}

// TestDEKRotationMovesACredentiallessConnection: a connection whose
// credential was lost before migration 7 (no ciphertext, marked for
// re-authorization) does not stop a rotation; only its reference moves.
func TestDEKRotationMovesACredentiallessConnection(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	now := time.Now()
	if err := f.st.User(f.alice).CreateConnection(ctx, store.Connection{ID: "c_lost", UserID: f.alice, Name: "gmail",
		Provider: "google", AuthKind: "oauth2", Status: "needs_reauth", DEKVersion: 1, CreatedAt: now, UpdatedAt: now}); err != nil {
		t.Fatal(err)
	}
	res, err := f.v.RotateDEK(ctx, f.alice)
	if err != nil || res.Version != 2 || res.Retired != 1 || res.Pending != 0 {
		t.Fatalf("rotate-dek: %+v, %v; want version 2 and version 1 retired", res, err)
	}
	c, err := f.st.User(f.alice).Connection(ctx, "gmail")
	if err != nil || c.DEKVersion != 2 || c.Status != "needs_reauth" || len(c.Credential) != 0 {
		t.Fatalf("connection after rotation: version %d, status %q, %d bytes, %v", c.DEKVersion, c.Status, len(c.Credential), err)
	}
}
