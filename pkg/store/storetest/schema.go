package storetest

import (
	"database/sql"
	"strings"
	"testing"

	"github.com/mcpgate/mcpgate/pkg/store"
)

// sqlDB is implemented by stores that expose their database, which the
// too-new schema test needs to forge a future version.
type sqlDB interface{ DB() *sql.DB }

func (h harness) schema(t *testing.T) {
	cases := []struct {
		name string
		run  func(t *testing.T, st store.Store)
	}{
		{"a fresh database is too old and says to run init", func(t *testing.T, st store.Store) {
			err := st.CheckSchema(t.Context())
			wantErr(t, err, store.ErrSchemaTooOld)
			if err != nil && !strings.Contains(err.Error(), "mcpgate init") {
				t.Errorf("error %q does not say to run `mcpgate init`", err)
			}
		}},
		{"migrate brings the schema to this version", func(t *testing.T, st store.Store) {
			must(t, st.Migrate(t.Context()))
			must(t, st.CheckSchema(t.Context()))
		}},
		{"migrating again changes nothing and keeps the rows", func(t *testing.T, st store.Store) {
			must(t, st.Migrate(t.Context()))
			u := store.User{ID: "u_1", Name: "alice", CreatedAt: at(0)}
			must(t, st.Privileged().CreateUser(t.Context(), u, newDEK(u.ID)))
			must(t, st.Migrate(t.Context()))
			must(t, st.CheckSchema(t.Context()))
			got, err := st.Privileged().UserByName(t.Context(), "alice")
			must(t, err)
			equal(t, "user after second migrate", got, u)
		}},
		{"a schema from a newer mcpgate is refused", func(t *testing.T, st store.Store) {
			db, ok := st.(sqlDB)
			if !ok {
				t.Skip("store does not expose its database")
			}
			must(t, st.Migrate(t.Context()))
			if _, err := db.DB().ExecContext(t.Context(), "INSERT INTO schema_migrations (version) VALUES (1000000)"); err != nil {
				t.Fatal(err)
			}
			err := st.CheckSchema(t.Context())
			wantErr(t, err, store.ErrSchemaTooNew)
			if err != nil && !strings.Contains(err.Error(), "upgrade mcpgate") {
				t.Errorf("error %q does not say to upgrade mcpgate", err)
			}
			wantErr(t, st.Migrate(t.Context()), store.ErrSchemaTooNew)
		}},
		{"a version 1 database migrates with its rows intact", fromVersion1},
		{"rows sealed under a deleted DEK version are repaired by migration 7", lostCredentialsRepaired},
		{"ping answers and close can be called twice", func(t *testing.T, st store.Store) {
			must(t, st.Ping(t.Context()))
			must(t, st.Close())
			if err := st.Close(); err != nil {
				t.Errorf("second Close: %v", err)
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.run(t, h.open(t))
		})
	}
}
