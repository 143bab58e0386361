package sqlstore

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"text/template"
)

// Types are the column types an engine's tables are written with.
type Types struct {
	BigInt  string // a 64-bit integer: "INTEGER" (SQLite), "BIGINT"
	Bool    string // "INTEGER" (SQLite), "BOOLEAN"
	Blob    string // "BLOB", "BYTEA"
	Serial  string // an auto-incrementing 64-bit primary key column
	Options string // appended to every CREATE TABLE, e.g. " STRICT"
}

// Migration is one schema version; its SQL may hold several statements and
// runs in one transaction together with the recording of its version.
type Migration struct {
	Version int
	SQL     string
}

//go:embed migrations/*.sql
var shared embed.FS

// Migrations renders the shared schema versions with types and appends to
// each the driver's own statements for the same version, read from extra
// (files named like the shared ones, 0001_what.sql; extra may be nil).
func Migrations(types Types, extra fs.FS) ([]Migration, error) {
	base, err := readVersions(shared, "migrations")
	if err != nil {
		return nil, err
	}
	var own map[int]string
	if extra != nil {
		if own, err = readVersions(extra, "."); err != nil {
			return nil, err
		}
	}
	var out []Migration
	for _, v := range sortedVersions(base) {
		tmpl, err := template.New(strconv.Itoa(v)).Option("missingkey=error").Parse(base[v])
		if err != nil {
			return nil, fmt.Errorf("parse migration %d: %w", v, err)
		}
		var b strings.Builder
		if err := tmpl.Execute(&b, types); err != nil {
			return nil, fmt.Errorf("render migration %d: %w", v, err)
		}
		b.WriteString("\n")
		b.WriteString(own[v])
		delete(own, v)
		out = append(out, Migration{Version: v, SQL: b.String()})
	}
	if len(own) > 0 {
		return nil, fmt.Errorf("load migrations: driver migrations %v have no shared version", sortedVersions(own))
	}
	return out, nil
}

// MustMigrations is Migrations for a driver's package initialisation,
// where a broken embedded file is a programming error.
func MustMigrations(types Types, extra fs.FS) []Migration {
	ms, err := Migrations(types, extra)
	if err != nil {
		panic(err)
	}
	return ms
}

// MustSub is fs.Sub for a driver's embedded migrations directory.
func MustSub(fsys fs.FS, dir string) fs.FS {
	sub, err := fs.Sub(fsys, dir)
	if err != nil {
		panic(err)
	}
	return sub
}

// readVersions reads dir's NNNN_what.sql files, keyed by version.
func readVersions(fsys fs.FS, dir string) (map[int]string, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("read migrations: %w", err)
	}
	out := map[int]string{}
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".sql") {
			continue
		}
		num, _, _ := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if err != nil || v < 1 {
			return nil, fmt.Errorf("read migrations: %s: name must start with a version number", name)
		}
		if _, dup := out[v]; dup {
			return nil, fmt.Errorf("read migrations: version %d appears twice", v)
		}
		b, err := fs.ReadFile(fsys, path.Join(dir, name))
		if err != nil {
			return nil, fmt.Errorf("read migrations: %w", err)
		}
		out[v] = string(b)
	}
	return out, nil
}

func sortedVersions(m map[int]string) []int {
	vs := make([]int, 0, len(m))
	for v := range m {
		vs = append(vs, v)
	}
	sort.Ints(vs)
	return vs
}
