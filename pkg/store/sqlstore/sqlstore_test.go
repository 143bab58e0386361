package sqlstore

import (
	"strings"
	"testing"
	"testing/fstest"
)

func TestRebind(t *testing.T) {
	tests := []struct {
		numbered bool
		in, want string
	}{
		{false, "SELECT a FROM t WHERE b = ? AND c = ?", "SELECT a FROM t WHERE b = ? AND c = ?"},
		{true, "SELECT a FROM t WHERE b = ? AND c = ?", "SELECT a FROM t WHERE b = $1 AND c = $2"},
		{true, "SELECT 1", "SELECT 1"},
		{true, "INSERT INTO t (a, b) VALUES (?, ?) RETURNING seq", "INSERT INTO t (a, b) VALUES ($1, $2) RETURNING seq"},
	}
	for _, tt := range tests {
		d := Dialect{Numbered: tt.numbered}
		if got := d.rebind(tt.in); got != tt.want {
			t.Errorf("rebind(%q) numbered=%v = %q, want %q", tt.in, tt.numbered, got, tt.want)
		}
	}
}

func TestMigrations(t *testing.T) {
	types := Types{BigInt: "BIGINT", Bool: "BOOLEAN", Blob: "BYTEA", Serial: "BIGSERIAL PRIMARY KEY"}
	t.Run("the shared tables are rendered with the engine's types and the driver's SQL appended", func(t *testing.T) {
		ms, err := Migrations(types, fstest.MapFS{"0001_extra.sql": {Data: []byte("-- driver's own")}})
		if err != nil {
			t.Fatal(err)
		}
		if len(ms) == 0 || ms[0].Version != 1 {
			t.Fatalf("got %d migrations, want version 1 first", len(ms))
		}
		for _, want := range []string{"seq        BIGSERIAL PRIMARY KEY,", "wrapped    BYTEA NOT NULL", "-- driver's own"} {
			if !strings.Contains(ms[0].SQL, want) {
				t.Errorf("migration 1 lacks %q", want)
			}
		}
		for i, m := range ms {
			if i > 0 && m.Version <= ms[i-1].Version {
				t.Errorf("migration %d has version %d, not above %d", i, m.Version, ms[i-1].Version)
			}
			if strings.Contains(m.SQL, "{{") {
				t.Errorf("migration %d has unrendered template fields", m.Version)
			}
		}
	})
	bad := []struct {
		name  string
		extra fstest.MapFS
	}{
		{"a driver version with no shared one", fstest.MapFS{"0099_orphan.sql": {Data: []byte("")}}},
		{"a file without a version", fstest.MapFS{"extra.sql": {Data: []byte("")}}},
		{"a version twice", fstest.MapFS{"0001_a.sql": {Data: []byte("")}, "01_b.sql": {Data: []byte("")}}},
	}
	for _, tt := range bad {
		t.Run(tt.name+" is refused", func(t *testing.T) {
			if _, err := Migrations(types, tt.extra); err == nil {
				t.Error("no error")
			}
		})
	}
}
