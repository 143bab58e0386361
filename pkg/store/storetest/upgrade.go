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
