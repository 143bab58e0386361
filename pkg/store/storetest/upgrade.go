package storetest

import (
	"context"
	"testing"

	"github.com/mcpgate/mcpgate/pkg/store"
)

// migrator is implemented by stores that can stop migrating at a version,
// which the upgrade test needs to make a database of an older one.
type migrator interface {
	sqlDB
	MigrateTo(ctx context.Context, version int) error
}

// fromVersion1 proves a database made by a version 1 mcpgate keeps its
// rows through the migration to version 2. The rows are written with raw
// SQL in version 1's columns ($n placeholders, which both engines accept),
// as the store's own queries are version 2's.
func fromVersion1(t *testing.T, st store.Store) {
	m, ok := st.(migrator)
	if !ok {
		t.Skip("store cannot migrate to a given version")
	}
	ctx := t.Context()
	must(t, m.MigrateTo(ctx, 1))
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := m.DB().ExecContext(ctx, q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	u := store.User{ID: "u_1", Name: "alice", CreatedAt: at(0)}
	dek := newDEK(u.ID)
	conn := store.Connection{ID: "c_1", UserID: u.ID, Name: "github", Provider: "github", Credential: []byte("sealed"),
		DEKVersion: 1, CreatedAt: at(1), UpdatedAt: at(2)}
	state := store.OAuthState{StateHash: "h1", UserID: u.ID, Provider: "github", Name: "github",
		Verifier: []byte("sealed-verifier"), ExpiresAt: at(600), CreatedAt: at(0)}
	exec("INSERT INTO users (id, name, admin, created_at) VALUES ($1, $2, $3, $4)", u.ID, u.Name, u.Admin, u.CreatedAt.UnixMicro())
	exec("INSERT INTO deks (user_id, version, kek_id, wrapped, created_at) VALUES ($1, $2, $3, $4, $5)",
		dek.UserID, dek.Version, dek.KEKID, dek.Wrapped, dek.CreatedAt.UnixMicro())
	exec(`INSERT INTO connections (id, user_id, name, provider, credential, dek_version, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, conn.ID, conn.UserID, conn.Name, conn.Provider, conn.Credential,
		conn.DEKVersion, conn.CreatedAt.UnixMicro(), conn.UpdatedAt.UnixMicro())
	exec(`INSERT INTO oauth_states (state_hash, user_id, provider, name, verifier, expires_at, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, state.StateHash, state.UserID, state.Provider, state.Name, state.Verifier,
		state.ExpiresAt.UnixMicro(), state.CreatedAt.UnixMicro())
	wantErr(t, st.CheckSchema(ctx), store.ErrSchemaTooOld)

	must(t, st.Migrate(ctx))
	must(t, st.CheckSchema(ctx))
	us := st.User(u.ID)
	got, err := st.Privileged().UserByName(ctx, u.Name)
	must(t, err)
	equal(t, "user", got, u)
	deks, err := st.Privileged().ListDEKs(ctx)
	must(t, err)
	equal(t, "DEKs", deks, []store.DEK{dek})
	c, err := us.Connection(ctx, conn.Name)
	must(t, err)
	equal(t, "connection", c, conn)

	// What version 2 adds works on the old rows.
	v2 := newDEKVersion(u.ID, 2)
	must(t, us.AddDEK(ctx, v2))
	wantErr(t, us.DeleteDEK(ctx, 1), store.ErrInUse) // the connection and the state are sealed under it
	conn.DEKVersion, conn.UpdatedAt = 2, at(3)
	must(t, us.UpdateConnectionIf(ctx, conn, at(2)))
	s, err := st.Privileged().TakeOAuthState(ctx, state.StateHash)
	must(t, err)
	state.DEKVersion = 1 // the version that sealed it, filled in by the migration
	equal(t, "OAuth state", s, state)
	must(t, us.DeleteDEK(ctx, 1))
	cur, err := us.DEK(ctx)
	must(t, err)
	equal(t, "current DEK", cur, v2)
}

// lostCredentialsRepaired proves that migration 7 turns rows sealed under
// a DEK version that no longer exists (which an older mcpgate could write
// while a rotation deleted the version) into what they are: a connection
// that needs re-authorization, with no ciphertext, under the current
// version; a pending authorization that can no longer complete, gone.
func lostCredentialsRepaired(t *testing.T, st store.Store) {
	m, ok := st.(migrator)
	if !ok {
		t.Skip("store cannot migrate to a given version")
	}
	ctx := t.Context()
	must(t, m.MigrateTo(ctx, 4))
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := m.DB().ExecContext(ctx, q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	u := store.User{ID: "u_1", Name: "alice", CreatedAt: at(0)}
	v2 := newDEKVersion(u.ID, 2) // version 1 was rotated away
	exec("INSERT INTO users (id, name, admin, created_at) VALUES ($1, $2, $3, $4)", u.ID, u.Name, u.Admin, u.CreatedAt.UnixMicro())
	exec("INSERT INTO deks (user_id, version, kek_id, wrapped, created_at) VALUES ($1, $2, $3, $4, $5)",
		v2.UserID, v2.Version, v2.KEKID, v2.Wrapped, v2.CreatedAt.UnixMicro())
	kept := store.Connection{ID: "c_kept", UserID: u.ID, Name: "github", Provider: "github", Status: "ok",
		Credential: []byte("sealed under 2"), DEKVersion: 2, CreatedAt: at(1), UpdatedAt: at(2)}
	lost := store.Connection{ID: "c_lost", UserID: u.ID, Name: "gmail", Provider: "google", Status: "ok",
		Credential: []byte("sealed under 1"), DEKVersion: 1, CreatedAt: at(1), UpdatedAt: at(2)}
	for _, c := range []store.Connection{kept, lost} {
		exec(`INSERT INTO connections (id, user_id, name, provider, status, credential, dek_version, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, c.ID, c.UserID, c.Name, c.Provider, c.Status, c.Credential,
			c.DEKVersion, c.CreatedAt.UnixMicro(), c.UpdatedAt.UnixMicro())
	}
	for _, s := range []struct {
		hash    string
		version int
	}{{"h_kept", 2}, {"h_lost", 1}} {
		exec(`INSERT INTO oauth_states (state_hash, user_id, provider, name, verifier, dek_version, expires_at, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, s.hash, u.ID, "github", "github", []byte("sealed"), s.version,
			at(600).UnixMicro(), at(0).UnixMicro())
	}

	must(t, st.Migrate(ctx))
	us := st.User(u.ID)
	got, err := us.Connection(ctx, kept.Name)
	must(t, err)
	equal(t, "connection sealed under a kept version", got, kept)
	got, err = us.Connection(ctx, lost.Name)
	must(t, err)
	want := lost
	want.Status, want.Credential, want.DEKVersion = "needs_reauth", nil, 2
	equal(t, "connection sealed under a deleted version", got, want)
	_, err = st.Privileged().TakeOAuthState(ctx, "h_kept")
	must(t, err)
	_, err = st.Privileged().TakeOAuthState(ctx, "h_lost")
	wantErr(t, err, store.ErrNotFound)
}
