package e2e

import (
	"database/sql"
	"testing"

	_ "modernc.org/sqlite"
)

// breakAudit makes audit inserts fail by dropping the table behind the
// gateway's back, as a corrupted or read-only database would.
func breakAudit(t *testing.T, g *gw) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+g.DBPath+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`DROP TABLE audit_records`); err != nil {
		t.Fatal(err)
	}
}
