package postgres_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/mcpgate/mcpgate/pkg/store"
	"github.com/mcpgate/mcpgate/pkg/store/postgres"
	"github.com/mcpgate/mcpgate/pkg/store/postgres/pgtest"
)

// perUser lists every per-user table with the column naming its owner.
var perUser = []struct{ table, owner string }{
	{"users", "id"}, {"deks", "user_id"}, {"connections", "user_id"}, {"api_keys", "user_id"},
	{"policies", "user_id"}, {"audit_records", "user_id"}, {"oauth_states", "user_id"},
	{"rate_counters", "user_id"}, {"audit_anchors", "user_id"}, {"audit_keys", "user_id"},
	{"oauth_grants", "user_id"}, {"oauth_tokens", "user_id"}, {"approvals", "user_id"}, {"audit_cursors", "user_id"},
	{"passkeys", "user_id"}, {"passkey_enrolments", "user_id"}, {"browser_sessions", "user_id"},
}

// referrers are the tables whose rows keep a row of the key's table from
// being deleted (sealed rows refer to their DEK version).
var referrers = map[string][]string{"deks": {"connections", "oauth_states", "approvals"}}

// seed gives the user rows in every per-user table through the store.
func seed(t *testing.T, st store.Store, id string, n int) {
	t.Helper()
	ctx := t.Context()
	check := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	check(st.Privileged().CreateUser(ctx, store.User{ID: id, Name: id}, store.DEK{Version: 1, KEKID: "k", Wrapped: []byte{1}}))
	us := st.User(id)
	check(us.AddDEK(ctx, store.DEK{Version: 2, KEKID: "k", Wrapped: []byte{2}}))
	hash := func(prev string, _ store.AuditRecord) string { return prev + "x" }
	_, err := us.AppendAudit(ctx, []store.AuditRecord{{Tool: "pruned", Time: time.Unix(1, 0)}}, hash)
	check(err)
	_, err = us.PruneAudit(ctx, time.Unix(2, 0)) // leaves an anchor
	check(err)
	_, err = us.KeyAudit(ctx, store.AuditKey{Sealed: []byte{3}, DEKVersion: 2}, func(prev string, r store.AuditRecord) (store.AuditRecord, error) {
		r.PrevHash, r.Hash = prev, hash(prev, r)
		return r, nil
	})
	check(err)
	for i := range n {
		sfx := id + "-" + string(rune('a'+i))
		check(us.CreateConnection(ctx, store.Connection{ID: "c-" + sfx, Name: sfx, Provider: "github", DEKVersion: 2}))
		check(us.CreateAPIKey(ctx, store.APIKey{ID: "k-" + sfx, Name: sfx, Hash: "h"}))
		check(us.PutPolicy(ctx, store.Policy{KeyID: "k-" + sfx, Body: "b"}))
		check(us.CreateOAuthGrant(ctx, store.APIKey{ID: "g-" + sfx, Name: "g-" + sfx, Hash: "h"},
			store.OAuthGrant{KeyID: "g-" + sfx, ClientID: "c", ClientName: "c", Resource: "/mcp"},
			[]store.OAuthToken{{Hash: "t-" + sfx, KeyID: "g-" + sfx, Kind: "access", Resource: "/mcp"}}))
		check(us.PutOAuthState(ctx, store.OAuthState{StateHash: "s-" + sfx, Provider: "github", Name: sfx, DEKVersion: 2}))
		check(us.CreateApproval(ctx, store.Approval{ID: "a-" + sfx, KeyID: "k-" + sfx, Tool: "t", ArgsHash: "h", Arguments: "{}",
			Sealed: []byte{4}, DEKVersion: 2, ExpiresAt: time.Unix(600, 0)}))
		check(us.AddPasskeyEnrolment(ctx, store.PasskeyEnrolment{Hash: "e-" + sfx, ExpiresAt: time.Unix(1<<40, 0)}))
		check(us.AddPasskeyEnrolment(ctx, store.PasskeyEnrolment{Hash: "e2-" + sfx, ExpiresAt: time.Unix(1<<40, 0)}))
		check(us.EnrolPasskey(ctx, "e2-"+sfx, store.Passkey{ID: "p-" + sfx, CredentialID: []byte("p-" + sfx), PublicKey: []byte{1}}, time.Unix(5, 0)))
		check(us.CreateBrowserSession(ctx, store.BrowserSession{ID: "b-" + sfx, Hash: "b-" + sfx, ExpiresAt: time.Unix(1<<40, 0)}))
		recs, err := us.AppendAudit(ctx, []store.AuditRecord{{Tool: sfx, Time: time.Unix(3, 0)}}, hash)
		check(err)
		check(us.AdvanceAuditCursor(ctx, 0, store.AuditCursor{UserID: id, Sink: sfx, Seq: recs[0].Seq, Hash: recs[0].Hash, Count: 1}))
		_, _, err = us.HitRate(ctx, store.RateHit{KeyID: "k-" + sfx, Rule: "r", WindowStart: time.Unix(3600, 0), Limit: 5})
		check(err)
	}
}

type querier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

func count(t *testing.T, q querier, sql string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := q.QueryRow(t.Context(), sql, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}

// asRole runs fn in a transaction that has switched to role, then rolls
// it back.
func asRole(t *testing.T, conn *pgx.Conn, role string, fn func(tx pgx.Tx)) {
	t.Helper()
	tx, err := conn.Begin(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(t.Context())
	if _, err := tx.Exec(t.Context(), "SET LOCAL ROLE "+role); err != nil {
		t.Fatal(err)
	}
	fn(tx)
}

// isDenied reports whether err is PostgreSQL's insufficient_privilege.
func isDenied(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "42501"
}

// asApp runs fn in a transaction that has switched to the app role and
// set the given setting (none if name is ""), then rolls it back.
func asApp(t *testing.T, conn *pgx.Conn, name, value string, fn func(tx pgx.Tx)) {
	t.Helper()
	ctx := t.Context()
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, "SET LOCAL ROLE "+postgres.AppRole); err != nil {
		t.Fatal(err)
	}
	if name != "" {
		if _, err := tx.Exec(ctx, "SELECT set_config($1, $2, true)", name, value); err != nil {
			t.Fatal(err)
		}
	}
	fn(tx)
}

// TestRowLevelSecurity proves the scoping with raw SQL that has no user
// filter at all: whatever the query, the database shows and changes only
// the rows of the user the transaction is set to.
func TestRowLevelSecurity(t *testing.T) {
	d := pgtest.FreshOwnedDB(t)
	st := open(t, d.OwnerURL)
	if err := st.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	const alice, bob = "u_alice", "u_bob"
	seed(t, st, alice, 2)
	seed(t, st, bob, 3)
	conn, err := pgx.Connect(t.Context(), d.SuperURL) // a superuser: sees every row
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())

	t.Run("the app role can neither log in, nor bypass RLS, nor own tables", func(t *testing.T) {
		var super, bypass, login bool
		err := conn.QueryRow(t.Context(), "SELECT rolsuper, rolbypassrls, rolcanlogin FROM pg_roles WHERE rolname = $1",
			postgres.AppRole).Scan(&super, &bypass, &login)
		if err != nil {
			t.Fatal(err)
		}
		if super || bypass || login {
			t.Errorf("rolsuper=%v rolbypassrls=%v rolcanlogin=%v, want all false", super, bypass, login)
		}
		if n := count(t, conn, "SELECT count(*) FROM pg_tables WHERE tableowner = $1", postgres.AppRole); n != 0 {
			t.Errorf("the app role owns %d tables", n)
		}
	})

	t.Run("the keks table is closed to the app role", func(t *testing.T) {
		if err := st.Privileged().PutKEK(t.Context(), store.KEK{ID: "local:test", URL: "local:///x"}); err != nil {
			t.Fatal(err)
		}
		asApp(t, conn, "mcpgate.privileged", "on", func(tx pgx.Tx) {
			var n int
			err := tx.QueryRow(t.Context(), "SELECT count(*) FROM keks").Scan(&n)
			if !isDenied(err) {
				t.Errorf("the app role read keks: %d rows, error %v; want permission denied", n, err)
			}
		})
	})

	// schema_migrations and generation hold no user's data: a version
	// number and a change counter; nor do the authorization server's
	// clients and authorizations in progress (hashes, before anyone signs
	// in), nor leases (which process does a job), nor generation_watchers
	// (which serve has taken which generation).
	t.Run("every table but schema_migrations, generation, generation_watchers, keks, leases and the authorization server's is listed here", func(t *testing.T) {
		rows, err := conn.Query(t.Context(), `SELECT tablename FROM pg_tables
			WHERE schemaname = current_schema()
			AND tablename NOT IN ('schema_migrations', 'generation', 'generation_watchers', 'keks', 'leases', 'oauth_clients', 'oauth_requests', 'passkey_ceremonies')`)
		if err != nil {
			t.Fatal(err)
		}
		tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatal(err)
		}
		var listed []string
		for _, tbl := range perUser {
			listed = append(listed, tbl.table)
		}
		slices.Sort(tables)
		slices.Sort(listed)
		if !slices.Equal(tables, listed) {
			t.Errorf("tables %v, listed %v: add a new per-user table to perUser and seed", tables, listed)
		}
	})

	for _, tbl := range perUser {
		t.Run(tbl.table, func(t *testing.T) {
			var enabled, forced bool
			err := conn.QueryRow(t.Context(), "SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE oid = $1::regclass",
				tbl.table).Scan(&enabled, &forced)
			if err != nil || !enabled || !forced {
				t.Fatalf("row security enabled=%v forced=%v (%v), want both", enabled, forced, err)
			}
			owned := "SELECT count(*) FROM " + tbl.table + " WHERE " + tbl.owner + " = $1"
			nAlice, nBob := count(t, conn, owned, alice), count(t, conn, owned, bob)
			if nAlice == 0 || nBob == 0 {
				t.Fatalf("seeded %d rows for alice and %d for bob, want some of each", nAlice, nBob)
			}
			all := "SELECT count(*) FROM " + tbl.table

			asApp(t, conn, "", "", func(tx pgx.Tx) {
				if n := count(t, tx, all); n != 0 {
					t.Errorf("with no user set: sees %d rows, want 0", n)
				}
			})
			asApp(t, conn, "mcpgate.user_id", alice, func(tx pgx.Tx) {
				if n := count(t, tx, all); n != nAlice {
					t.Errorf("as alice: sees %d rows, want her %d", n, nAlice)
				}
				if n := count(t, tx, all+" WHERE "+tbl.owner+" = $1", bob); n != 0 {
					t.Errorf("as alice: sees %d of bob's rows", n)
				}
				changed := func(sql string) int64 {
					tag, err := tx.Exec(t.Context(), sql)
					if err != nil {
						t.Fatalf("%s: %v", sql, err)
					}
					return tag.RowsAffected()
				}
				if n := changed("UPDATE " + tbl.table + " SET " + tbl.owner + " = " + tbl.owner); n != nAlice {
					t.Errorf("as alice: UPDATE without WHERE changed %d rows, want her %d", n, nAlice)
				}
				for _, r := range referrers[tbl.table] {
					changed("DELETE FROM " + r)
				}
				if n := changed("DELETE FROM " + tbl.table); n != nAlice {
					t.Errorf("as alice: DELETE without WHERE removed %d rows, want her %d", n, nAlice)
				}
				if _, err := tx.Exec(t.Context(), "RESET ROLE"); err != nil {
					t.Fatal(err)
				}
				if n := count(t, tx, owned, bob); n != nBob {
					t.Errorf("after alice's UPDATE and DELETE bob has %d rows, want %d", n, nBob)
				}
			})
			if tbl.table != "users" {
				asApp(t, conn, "mcpgate.user_id", alice, func(tx pgx.Tx) {
					_, err := tx.Exec(t.Context(), "UPDATE "+tbl.table+" SET user_id = $1", bob)
					var pgErr *pgconn.PgError
					if !errors.As(err, &pgErr) || pgErr.Code != "42501" {
						t.Errorf("as alice: handing her rows to bob gave %v, want a row-level security violation", err)
					}
				})
			}
			asApp(t, conn, "mcpgate.privileged", "on", func(tx pgx.Tx) {
				if n := count(t, tx, all); n != 0 {
					t.Errorf("with mcpgate.privileged on: sees %d rows, want 0", n)
				}
			})
			asRole(t, conn, postgres.AdminRole, func(tx pgx.Tx) {
				if n := count(t, tx, all); n != nAlice+nBob {
					t.Errorf("as %s: sees %d rows, want %d", postgres.AdminRole, n, nAlice+nBob)
				}
			})
		})
	}
}

// TestStoreTransactionsAreUnderRLS proves the store's own transactions are
// subject to the policies, in the right role: extra restrictive policies
// hide one row from every transaction under RLS, and only from user-scoped
// (connections, as mcpgate_app) or admin (deks, as mcpgate_admin) ones. A
// store that stayed the connecting owner would see the hidden rows; one
// that took the wrong role would see none.
func TestStoreTransactionsAreUnderRLS(t *testing.T) {
	d := pgtest.FreshOwnedDB(t)
	st := open(t, d.OwnerURL)
	if err := st.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	seed(t, st, "u_alice", 2)
	seed(t, st, "u_bob", 1)
	for _, sql := range []string{
		`CREATE POLICY test_hide ON connections AS RESTRICTIVE
			USING (name <> 'u_alice-a' AND user_id = current_setting('mcpgate.user_id', true)
				AND current_user = 'mcpgate_app')`,
		`CREATE POLICY test_hide ON deks AS RESTRICTIVE
			USING (user_id <> 'u_bob' AND current_user = 'mcpgate_admin')`,
		`CREATE POLICY test_hide ON users AS RESTRICTIVE USING (name <> 'u_bob')`,
	} {
		adminExec(t, t.Context(), d.SuperURL, sql)
	}

	cs, err := st.User("u_alice").ListConnections(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != 1 || cs[0].Name != "u_alice-b" {
		t.Errorf("user-scoped list: got %+v, want only u_alice-b", cs)
	}
	deks, err := st.Privileged().ListDEKs(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for _, dek := range deks {
		if dek.UserID != "u_alice" {
			t.Errorf("admin list of DEKs: got %s's, want only u_alice's", dek.UserID)
		}
	}
	if len(deks) == 0 {
		t.Error("admin list of DEKs: got none, want u_alice's")
	}
	// The functions run as the owner, who is under RLS too (FORCE).
	users, err := st.Privileged().ListUsers(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(users) != 1 || users[0].ID != "u_alice" {
		t.Errorf("listing users: got %+v, want only u_alice", users)
	}
}
