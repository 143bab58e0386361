package e2e

import (
	"context"
	"database/sql"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// dbRows is every row of every table of a database, each row as one line
// of text, by table. Tables are found in the database's own catalog, so a
// table a later migration adds is covered without naming it here.
type dbRows map[string][]string

// dumpSQLite reads every table of the SQLite database at path, behind
// mcpgate's back. A byte value is written both as text and as hex, so a
// secret stored raw is found either way.
func dumpSQLite(t *testing.T, path string) dbRows {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro&_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var tables []string
	rows, err := db.Query(`SELECT name FROM sqlite_master WHERE type = 'table'`)
	if err != nil {
		t.Fatalf("list the tables of %s: %v", path, err)
	}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		tables = append(tables, name)
	}
	if err := rows.Close(); err != nil {
		t.Fatal(err)
	}
	out := dbRows{}
	for _, table := range tables {
		rows, err := db.Query(`SELECT * FROM "` + strings.ReplaceAll(table, `"`, `""`) + `"`)
		if err != nil {
			t.Fatalf("read table %s: %v", table, err)
		}
		cols, err := rows.Columns()
		if err != nil {
			t.Fatal(err)
		}
		out[table] = []string{}
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatalf("read table %s: %v", table, err)
			}
			cells := make([]string, len(cols))
			for i, v := range vals {
				if b, ok := v.([]byte); ok {
					cells[i] = fmt.Sprintf("%s=%q x'%s'", cols[i], b, hex.EncodeToString(b))
				} else {
					cells[i] = fmt.Sprintf("%s=%v", cols[i], v)
				}
			}
			out[table] = append(out[table], strings.Join(cells, " | "))
		}
		if err := rows.Close(); err != nil {
			t.Fatalf("read table %s: %v", table, err)
		}
		sort.Strings(out[table])
	}
	if len(out) == 0 {
		t.Fatalf("%s has no tables", path)
	}
	return out
}

// dumpPostgres reads every ordinary and partitioned table outside the
// system schemas, as dbURL's login (a superuser sees every row past RLS),
// and every large object. bytea prints as hex in a row's text.
func dumpPostgres(t *testing.T, dbURL string) dbRows {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, `SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE c.relkind IN ('r', 'p', 'm') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'`)
	if err != nil {
		t.Fatalf("list the tables: %v", err)
	}
	var tables []pgx.Identifier
	for rows.Next() {
		var ns, rel string
		if err := rows.Scan(&ns, &rel); err != nil {
			t.Fatal(err)
		}
		tables = append(tables, pgx.Identifier{ns, rel})
	}
	if rows.Err() != nil {
		t.Fatal(rows.Err())
	}
	out := dbRows{}
	for _, table := range tables {
		name := strings.Join(table, ".")
		rows, err := conn.Query(ctx, "SELECT t::text FROM "+table.Sanitize()+" t")
		if err != nil {
			t.Fatalf("read table %s: %v", name, err)
		}
		out[name], err = pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatalf("read table %s: %v", name, err)
		}
		sort.Strings(out[name])
	}
	if len(out) == 0 {
		t.Fatal("the database has no tables")
	}
	out[largeObjects] = readLargeObjects(t, conn)
	return out
}

// largeObjects is the dbRows entry of the large objects, which live in a
// system catalog the table scan leaves out.
const largeObjects = "pg_largeobject"

// readLargeObjects reads every large object whole (its pages could split
// a secret), each as one line: its text and its hex.
func readLargeObjects(t *testing.T, conn *pgx.Conn) []string {
	t.Helper()
	rows, err := conn.Query(context.Background(), "SELECT lo_get(oid) FROM pg_largeobject_metadata")
	if err != nil {
		t.Fatalf("read the large objects: %v", err)
	}
	objects, err := pgx.CollectRows(rows, pgx.RowTo[[]byte])
	if err != nil {
		t.Fatalf("read the large objects: %v", err)
	}
	out := make([]string, 0, len(objects))
	for _, o := range objects {
		out = append(out, fmt.Sprintf("%q x'%s'", o, hex.EncodeToString(o)))
	}
	sort.Strings(out)
	return out
}

// find names the tables whose rows hold any of needles.
func (d dbRows) find(needles ...string) []string {
	var where []string
	for table, rows := range d {
		for _, row := range rows {
			for _, n := range needles {
				if strings.Contains(row, n) {
					where = append(where, table)
				}
			}
		}
	}
	sort.Strings(where)
	return where
}

// diff lists the rows that are only in d (-) or only in after (+).
func (d dbRows) diff(after dbRows) []string {
	var out []string
	names := map[string]bool{}
	for n := range d {
		names[n] = true
	}
	for n := range after {
		names[n] = true
	}
	for n := range names {
		count := map[string]int{}
		for _, r := range d[n] {
			count[r]++
		}
		for _, r := range after[n] {
			count[r]--
		}
		for r, c := range count {
			for ; c > 0; c-- {
				out = append(out, n+" - "+r)
			}
			for ; c < 0; c++ {
				out = append(out, n+" + "+r)
			}
		}
	}
	sort.Strings(out)
	return out
}
