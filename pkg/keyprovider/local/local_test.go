package local_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mcpgate/mcpgate/pkg/keyprovider"
	"github.com/mcpgate/mcpgate/pkg/keyprovider/keyprovidertest"
	"github.com/mcpgate/mcpgate/pkg/keyprovider/local"
)

func newKEK(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "data", "kek")
	if err := local.Create(p); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestConformance(t *testing.T) {
	ctx := context.Background()
	a, err := keyprovider.Open(ctx, "local://"+newKEK(t))
	if err != nil {
		t.Fatal(err)
	}
	b, err := keyprovider.Open(ctx, "local://"+newKEK(t))
	if err != nil {
		t.Fatal(err)
	}
	keyprovidertest.Run(t, a, b)
}

func TestReopen(t *testing.T) {
	path := newKEK(t)
	keyprovidertest.RunReopen(t, func(t *testing.T) keyprovider.Provider {
		p, err := keyprovider.Open(context.Background(), "local://"+path)
		if err != nil {
			t.Fatal(err)
		}
		return p
	})
}

func TestCreateModes(t *testing.T) {
	p := newKEK(t)
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != 0o600 {
		t.Errorf("KEK mode = %04o, want 0600", got)
	}
	di, _ := os.Stat(filepath.Dir(p))
	if got := di.Mode().Perm(); got != 0o700 {
		t.Errorf("data dir mode = %04o, want 0700", got)
	}
}

func TestCreateRefusesOverwrite(t *testing.T) {
	p := newKEK(t)
	before, _ := os.ReadFile(p)
	if err := local.Create(p); err == nil || !strings.Contains(err.Error(), "never overwrites") {
		t.Fatalf("Create over an existing KEK: got %v, want refusal", err)
	}
	after, _ := os.ReadFile(p)
	if string(before) != string(after) {
		t.Fatal("existing KEK was changed")
	}
}

func TestLoadRefusesBadFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, n int, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, make([]byte, n), mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		name, path, want string
	}{
		{"missing", filepath.Join(dir, "nope"), "does not exist"},
		{"short", write("short", 16, 0o600), "holds 16 bytes"},
		{"world readable", write("open", 32, 0o644), "chmod 600"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := local.Load(tt.path)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Load: got %v, want error containing %q", err, tt.want)
			}
		})
	}
}
