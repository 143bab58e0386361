package postgres_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/mcpgate/mcpgate/pkg/store"
	"github.com/mcpgate/mcpgate/pkg/store/postgres"
	"github.com/mcpgate/mcpgate/pkg/store/postgres/pgtest"
)

// serveFunctions are the SECURITY DEFINER functions serve's login may
// call, and what each may return.
var serveFunctions = []string{
	"mcpgate_api_key", "mcpgate_delete_expired_oauth_states", "mcpgate_keks", "mcpgate_list_users",
	"mcpgate_oauth_state", "mcpgate_oauth_token", "mcpgate_put_kek", "mcpgate_take_oauth_state",
	"mcpgate_use_oauth_refresh", "mcpgate_user_by_name",
}

// TestServeLoginAttacks is what SQL injection, or any code path, in serve
// could try on serve's own login, as `mcpgate init` makes it: with alice's
// user set, nothing it runs shows or changes bob's rows beyond what the
// cross-user functions are for.
func TestServeLoginAttacks(t *testing.T) {
	d := pgtest.FreshOwnedDB(t)
	owner := open(t, d.OwnerURL)
	if err := owner.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	const alice, bob = "u_alice", "u_bob"
	seed(t, owner, alice, 2)
	seed(t, owner, bob, 3)
	ensureServeLogin(t, owner, d)
	super, err := pgx.Connect(t.Context(), d.SuperURL)
	if err != nil {
		t.Fatal(err)
	}
	defer super.Close(context.Background())
	conn, err := pgx.Connect(t.Context(), d.ServeURL())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())

	// asAlice runs fn in a transaction set up as the store sets up one of
	// alice's, then rolls it back; bobs counts bob's rows everywhere.
	asAlice := func(t *testing.T, fn func(tx pgx.Tx)) {
		t.Helper()
		tx, err := conn.Begin(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback(t.Context())
		if _, err := tx.Exec(t.Context(), "SELECT set_config('role', $1, true), set_config('mcpgate.user_id', $2, true)",
			postgres.AppRole, alice); err != nil {
			t.Fatal(err)
		}
		fn(tx)
	}
	bobs := func(t *testing.T, tx pgx.Tx) map[string]int64 {
		t.Helper()
		got := map[string]int64{}
		for _, tbl := range perUser {
			if n := count(t, tx, "SELECT count(*) FROM "+tbl.table+" WHERE "+tbl.owner+" = $1", bob); n != 0 {
				got[tbl.table] = n
			}
		}
		return got
	}

	t.Run("setting mcpgate.privileged shows none of bob's rows", func(t *testing.T) {
		asAlice(t, func(tx pgx.Tx) {
			if _, err := tx.Exec(t.Context(), "SELECT set_config('mcpgate.privileged', 'on', true)"); err != nil {
				t.Fatal(err)
			}
			if got := bobs(t, tx); len(got) > 0 {
				t.Errorf("sees bob's rows: %v", got)
			}
		})
	})
	t.Run("RESET ROLE returns to serve's login, which sees none of bob's rows", func(t *testing.T) {
		asAlice(t, func(tx pgx.Tx) {
			if _, err := tx.Exec(t.Context(), "RESET ROLE"); err != nil {
				t.Fatal(err)
			}
			var who string
			if err := tx.QueryRow(t.Context(), "SELECT current_user").Scan(&who); err != nil || who != d.ServeRole {
				t.Fatalf("after RESET ROLE current_user = %q (%v), want %s", who, err, d.ServeRole)
			}
			if got := bobs(t, tx); len(got) > 0 {
				t.Errorf("sees bob's rows: %v", got)
			}
		})
	})
	t.Run("SET ROLE to the owner is refused", func(t *testing.T) {
		for _, q := range []string{"SET ROLE " + d.Owner, "SET SESSION AUTHORIZATION " + d.Owner, "SET ROLE " + postgres.AdminRole} {
			if _, err := conn.Exec(t.Context(), q); !isDenied(err) {
				t.Errorf("%s: got %v, want permission denied", q, err)
			}
		}
	})
	t.Run("SET ROLE to any role but the app role is refused", func(t *testing.T) {
		rows, err := super.Query(t.Context(), "SELECT rolname FROM pg_roles WHERE rolname NOT IN ($1, $2) ORDER BY rolname",
			d.ServeRole, postgres.AppRole)
		if err != nil {
			t.Fatal(err)
		}
		roles, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatal(err)
		}
		var allowed []string
		for _, r := range roles {
			_, err := conn.Exec(t.Context(), "SET ROLE "+pgx.Identifier{r}.Sanitize())
			if err == nil {
				allowed = append(allowed, r)
				conn.Exec(t.Context(), "RESET ROLE")
			} else if !isDenied(err) && !strings.Contains(err.Error(), "does not exist") {
				t.Errorf("SET ROLE %s: %v", r, err)
			}
		}
		if len(allowed) > 0 || len(roles) == 0 {
			t.Errorf("of %d roles, serve's login may become %v, want none", len(roles), allowed)
		}
	})
	t.Run("direct SELECT, UPDATE and DELETE reach none of bob's rows", func(t *testing.T) {
		asAlice(t, func(tx pgx.Tx) {
			for _, tbl := range perUser {
				if n := count(t, tx, "SELECT count(*) FROM "+tbl.table+" WHERE "+tbl.owner+" <> $1", alice); n != 0 {
					t.Errorf("%s: sees %d rows of other users", tbl.table, n)
				}
				for _, q := range []string{"UPDATE " + tbl.table + " SET " + tbl.owner + " = " + tbl.owner + " WHERE " + tbl.owner + " = $1",
					"DELETE FROM " + tbl.table + " WHERE " + tbl.owner + " = $1"} {
					tag, err := tx.Exec(t.Context(), q, bob)
					if err != nil {
						t.Fatalf("%s: %v", q, err)
					}
					if tag.RowsAffected() != 0 {
						t.Errorf("%s: changed %d of bob's rows", q, tag.RowsAffected())
					}
				}
			}
		})
	})
	t.Run("the KEK registry and the generation are not writable directly", func(t *testing.T) {
		for _, q := range []string{"SELECT count(*) FROM keks", "INSERT INTO keks (id, url) VALUES ('x', 'local:///x')",
			"UPDATE generation SET n = 0"} {
			asAlice(t, func(tx pgx.Tx) {
				if _, err := tx.Exec(t.Context(), q); !isDenied(err) {
					t.Errorf("%s: got %v, want permission denied", q, err)
				}
			})
		}
	})
	t.Run("the SECURITY DEFINER functions serve may call are these, with search_path pinned", func(t *testing.T) {
		rows, err := super.Query(t.Context(), `SELECT p.proname, coalesce(array_to_string(p.proconfig, ','), '')
			FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
			WHERE p.prosecdef AND n.nspname = current_schema() AND has_function_privilege($1, p.oid, 'EXECUTE')
			ORDER BY p.proname`, d.ServeRole)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for rows.Next() {
			var name, config string
			if err := rows.Scan(&name, &config); err != nil {
				t.Fatal(err)
			}
			names = append(names, name)
			if !strings.Contains(config, "search_path=public, pg_temp") {
				t.Errorf("%s: config %q, want search_path pinned to the schema, then pg_temp", name, config)
			}
		}
		if !slices.Equal(names, serveFunctions) {
			t.Errorf("serve may call %v, want %v: review a new function against this test's attacks first", names, serveFunctions)
		}
	})
	t.Run("the functions return only what each is for", func(t *testing.T) {
		bobKey := "k-" + bob + "-a"
		asAlice(t, func(tx pgx.Tx) {
			for _, q := range []struct {
				sql  string
				arg  any
				want int64
			}{
				{"SELECT count(*) FROM mcpgate_api_key($1)", bobKey, 1}, // a key by its exact id, whoever's
				{"SELECT count(*) FROM mcpgate_api_key($1)", "%", 0},
				{"SELECT count(*) FROM mcpgate_api_key($1)", "", 0},
				{"SELECT count(*) FROM mcpgate_api_key($1)", nil, 0},
				{"SELECT count(*) FROM mcpgate_user_by_name($1)", "%", 0},
				{"SELECT count(*) FROM mcpgate_take_oauth_state($1)", "%", 0},
				{"SELECT count(*) FROM mcpgate_take_oauth_state($1)", nil, 0},
				{"SELECT count(*) FROM mcpgate_oauth_state($1)", "%", 0},
				{"SELECT count(*) FROM mcpgate_oauth_state($1)", "", 0},
				{"SELECT count(*) FROM mcpgate_oauth_state($1)", nil, 0},
				{"SELECT mcpgate_delete_expired_oauth_states($1)", int64(1 << 62), 0},  // none expires: the states have no expiry
				{"SELECT count(*) FROM mcpgate_oauth_token($1)", "t-" + bob + "-a", 1}, // a token by its exact hash, whoever's
				{"SELECT count(*) FROM mcpgate_oauth_token($1)", "%", 0},
				{"SELECT count(*) FROM mcpgate_oauth_token($1)", "", 0},
				{"SELECT count(*) FROM mcpgate_oauth_token($1)", nil, 0},
			} {
				if n := count(t, tx, q.sql, q.arg); n != q.want {
					t.Errorf("%s with %v: %d rows, want %d", q.sql, q.arg, n, q.want)
				}
			}
			// Only a refresh token, by its exact hash, is marked used.
			for _, h := range []string{"t-" + bob + "-a", "%", ""} {
				if n := count(t, tx, "SELECT count(*) FROM mcpgate_use_oauth_refresh($1, 5)", h); n != 0 {
					t.Errorf("mcpgate_use_oauth_refresh(%q): %d rows, want 0 (an access token, or no token)", h, n)
				}
			}
			if got := bobs(t, tx); len(got) > 0 {
				t.Errorf("after the calls alice's transaction sees bob's rows: %v", got)
			}
		})
		// What the functions return, column by column: no credential,
		// no wrapped DEK, no audit record.
		rows, err := super.Query(t.Context(), `SELECT p.proname, pg_get_function_result(p.oid) FROM pg_proc p
			WHERE p.proname = ANY($1) ORDER BY p.proname`, serveFunctions)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var name, result string
			if err := rows.Scan(&name, &result); err != nil {
				t.Fatal(err)
			}
			for _, col := range []string{"credential", "wrapped", "arguments", "body"} {
				if strings.Contains(result, col) {
					t.Errorf("%s returns %s: %s", name, col, result)
				}
			}
		}
		if n := count(t, super, "SELECT count(*) FROM oauth_states WHERE user_id = $1", bob); n != 3 {
			t.Errorf("bob has %d OAuth states after the calls, want 3", n)
		}
	})

	serve := open(t, d.ServeURL())
	t.Run("the admin commands' operations are refused to serve's store", func(t *testing.T) {
		p := serve.Privileged()
		ctx := t.Context()
		for name, call := range map[string]func() error{
			"CreateUser": func() error {
				return p.CreateUser(ctx, store.User{ID: "u_eve", Name: "eve"}, store.DEK{Version: 1, KEKID: "k", Wrapped: []byte{1}})
			},
			"DeleteUser": func() error { return p.DeleteUser(ctx, bob) },
			"ListDEKs":   func() error { _, err := p.ListDEKs(ctx); return err },
			"ReplaceDEK": func() error {
				return p.ReplaceDEK(ctx, store.DEK{UserID: bob, Version: 1, KEKID: "k"}, store.DEK{UserID: bob, Version: 1, KEKID: "x", Wrapped: []byte{9}})
			},
			"EachAudit": func() error {
				return p.EachAudit(ctx, store.AuditFilter{}, func(store.AuditRecord) error { return nil })
			},
		} {
			if err := call(); err == nil || !strings.Contains(err.Error(), "database.admin_url") {
				t.Errorf("%s as serve: got %v, want a refusal that names database.admin_url", name, err)
			}
		}
		if n := count(t, super, "SELECT count(*) FROM users"); n != 2 {
			t.Errorf("%d users, want alice and bob", n)
		}
	})
	t.Run("serve's login passes the check, the owner's does not", func(t *testing.T) {
		logins := owner.(serveLogins)
		if err := logins.CheckServeLogin(t.Context(), d.ServeRole); err != nil {
			t.Error(err)
		}
		if err := logins.CheckServeLogin(t.Context(), d.Owner); err == nil {
			t.Error("the owner passes as a serve login")
		}
		type session interface{ CheckSessionLogin(context.Context) error }
		if err := serve.(session).CheckSessionLogin(t.Context()); err != nil {
			t.Errorf("serve's store, on its own login: %v", err)
		}
		if err := owner.(session).CheckSessionLogin(t.Context()); err == nil {
			t.Error("the owner's store passes the check serve runs at start")
		}
	})
}
