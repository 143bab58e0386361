package audit_test

import (
	"crypto/rand"
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the attacker's direct PostgreSQL connection
	_ "modernc.org/sqlite"             // the attacker's direct SQLite connection

	"github.com/mcpgate/mcpgate/pkg/audit"
	"github.com/mcpgate/mcpgate/pkg/keyprovider/local"
	"github.com/mcpgate/mcpgate/pkg/store"
	_ "github.com/mcpgate/mcpgate/pkg/store/postgres" // the postgres:// driver
	"github.com/mcpgate/mcpgate/pkg/store/postgres/pgtest"
	"github.com/mcpgate/mcpgate/pkg/store/sqlite/sqlitetest"
	"github.com/mcpgate/mcpgate/pkg/vault"
)

// env is a migrated store with a real vault (a random local KEK), audit
// keys over it, and a direct connection to the same database that
// bypasses mcpgate entirely: what an attacker with database write access
// but without the KEK has.
type env struct {
	st   store.Store
	v    *vault.Vault
	keys *audit.Keys
	raw  *sql.DB
	pg   bool
}

// drivers are the stores the tamper tests run against. PostgreSQL is
// skipped, visibly, without MCPGATE_TEST_POSTGRES_URL.
var drivers = []struct {
	name string
	open func(t *testing.T) *env
}{
	{"sqlite", openSQLite},
	{"postgres", openPostgres},
}

func forEachDriver(t *testing.T, fn func(t *testing.T, e *env)) {
	for _, d := range drivers {
		t.Run(d.name, func(t *testing.T) { fn(t, d.open(t)) })
	}
}

func openSQLite(t *testing.T) *env {
	st, path := sqlitetest.Open(t)
	raw, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	return newEnv(t, st, raw, false)
}

func openPostgres(t *testing.T) *env {
	dbURL := pgtest.FreshDB(t)
	st, err := store.Open(t.Context(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	// The test server's admin role is a superuser: Row-Level Security
	// does not hold it back, as it would not hold back an attacker.
	raw, err := sql.Open("pgx", dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	return newEnv(t, st, raw, true)
}

func newEnv(t *testing.T, st store.Store, raw *sql.DB, pg bool) *env {
	t.Helper()
	kek := make([]byte, local.KeySize)
	rand.Read(kek)
	kp, err := local.New(kek)
	if err != nil {
		t.Fatal(err)
	}
	v := vault.New(st, kp, vault.Options{})
	return &env{st: st, v: v, keys: audit.NewKeys(st, v), raw: raw, pg: pg}
}

// addUser creates user id with a real DEK and no audit keys yet.
func (e *env) addUser(t *testing.T, id string) store.User {
	t.Helper()
	dek, err := e.v.NewDEK(t.Context(), id, 1)
	if err != nil {
		t.Fatal(err)
	}
	u := store.User{ID: id, Name: id, CreatedAt: time.Now()}
	if err := e.st.Privileged().CreateUser(t.Context(), u, dek); err != nil {
		t.Fatal(err)
	}
	return u
}

// write records n calls of user through a Writer (so in the keyed chain).
func (e *env) write(t *testing.T, user string, n int) []store.AuditRecord {
	t.Helper()
	w := audit.NewWriter(e.st, e.keys)
	defer w.Close()
	var out []store.AuditRecord
	for i := range n {
		r, err := w.Write(t.Context(), record(user, i))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

// exec runs a statement written with ? placeholders on the raw connection.
func (e *env) exec(t *testing.T, q string, args ...any) {
	t.Helper()
	if e.pg {
		var b strings.Builder
		n := 0
		for _, c := range q {
			if c == '?' {
				n++
				fmt.Fprintf(&b, "$%d", n)
			} else {
				b.WriteRune(c)
			}
		}
		q = b.String()
	}
	if _, err := e.raw.ExecContext(t.Context(), q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

// records reads the user's records oldest first, as the store returns them.
func (e *env) records(t *testing.T, user string) []store.AuditRecord {
	t.Helper()
	recs, err := e.st.User(user).ListAudit(t.Context(), store.AuditFilter{Ascending: true})
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

// verify runs Verify over users with the checkpoints cps.
func (e *env) verify(t *testing.T, users []string, cps []audit.Checkpoint) audit.Report {
	t.Helper()
	rep, err := audit.Verify(t.Context(), e.st, e.keys, users, cps)
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	return rep
}

// freshKeys drops every cached key, as a new process would start.
func (e *env) freshKeys() { e.keys = audit.NewKeys(e.st, e.v) }
