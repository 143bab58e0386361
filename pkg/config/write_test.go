package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestWriteNewWritesAFileThatLoadsBack(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, FileName)
	want := NewFile{
		DataDir: dir, Listen: "127.0.0.1:9000",
		Database:    Database{URL: "postgres://mcpgate_serve@db/mcpgate", AdminURL: "postgres://mcpgate@db/mcpgate"},
		KeyProvider: "local://" + filepath.Join(dir, "kek"),
	}
	wrote, err := WriteNew(path, want)
	if err != nil || !wrote {
		t.Fatalf("WriteNew = %v, %v; want a new file", wrote, err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != 0o600 {
		t.Errorf("mode %v, want 0600", got)
	}
	cfg, err := Load(Options{File: path, Env: []string{}})
	if err != nil {
		t.Fatal(err)
	}
	got := NewFile{DataDir: cfg.DataDir, Listen: cfg.Listen, Database: cfg.Database, KeyProvider: cfg.KeyProvider}
	if got != want {
		t.Errorf("loaded back %+v, want %+v", got, want)
	}
}

func TestWriteNewLeavesAnExistingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	if err := os.WriteFile(path, []byte("listen: \"mine\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	wrote, err := WriteNew(path, NewFile{Listen: "127.0.0.1:9000"})
	if err != nil || wrote {
		t.Fatalf("WriteNew = %v, %v; want the file left alone", wrote, err)
	}
	if b, _ := os.ReadFile(path); string(b) != "listen: \"mine\"\n" {
		t.Errorf("the existing file became %q", b)
	}
}

func TestWriteNewKeepsPasswordsOutOfTheFile(t *testing.T) {
	tests := []struct {
		name     string
		db       Database
		want     []string // lines the file has
		wantNone string   // text the file must not hold
	}{
		{"a URL with a password", Database{URL: "postgres://gw:hunter2@db/mcpgate"},
			[]string{"  # database.url holds a password: set it in MCPGATE_DATABASE_URL"}, "hunter2"},
		{"an admin URL with a password", Database{URL: "postgres://gw@db/mcpgate", AdminURL: "postgres://owner:hunter2@db/mcpgate"},
			[]string{`  url: "postgres://gw@db/mcpgate"`, "  # database.admin_url holds a password: set it in MCPGATE_DATABASE_ADMIN_URL"}, "hunter2"},
		{"no admin URL: no admin_url line", Database{URL: "sqlite:///d/mcpgate.db"},
			[]string{`  url: "sqlite:///d/mcpgate.db"`}, "admin_url"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), FileName)
			if _, err := WriteNew(path, NewFile{Database: tt.db}); err != nil {
				t.Fatal(err)
			}
			b, _ := os.ReadFile(path)
			lines := strings.Split(string(b), "\n")
			for _, w := range tt.want {
				if !contains(lines, w) {
					t.Errorf("the file has no line %q:\n%s", w, b)
				}
			}
			if strings.Contains(string(b), tt.wantNone) {
				t.Errorf("the file holds %q:\n%s", tt.wantNone, b)
			}
		})
	}
}

func contains(lines []string, l string) bool {
	for _, x := range lines {
		if x == l {
			return true
		}
	}
	return false
}

func TestSetKeyProvider(t *testing.T) {
	tests := []struct {
		name, before, want string
	}{
		{"replaces the setting, keeping the rest",
			"# mine\nlisten: \"x\"\nkey_provider: \"local:///old\"\nlog:\n  level: debug\n",
			"# mine\nlisten: \"x\"\nkey_provider: \"awskms://alias/new\"\nlog:\n  level: debug\n"},
		{"appends the setting when the file has none",
			"listen: \"x\"\n",
			"listen: \"x\"\n\nkey_provider: \"awskms://alias/new\"\n"},
		{"leaves a nested key of the same name alone",
			"other:\n  key_provider: \"keep\"\nkey_provider: \"local:///old\"\n",
			"other:\n  key_provider: \"keep\"\nkey_provider: \"awskms://alias/new\"\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), FileName)
			if err := os.WriteFile(path, []byte(tt.before), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := SetKeyProvider(path, "awskms://alias/new"); err != nil {
				t.Fatal(err)
			}
			if b, _ := os.ReadFile(path); string(b) != tt.want {
				t.Errorf("got\n%s\nwant\n%s", b, tt.want)
			}
			if _, err := os.Stat(path + ".tmp"); err == nil {
				t.Error("the temporary file was left behind")
			}
		})
	}
}

func TestSetKeyProviderOnAMissingFileIsAnError(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	if err := SetKeyProvider(path, "awskms://alias/new"); err == nil {
		t.Error("no error for a missing file")
	}
	if _, err := os.Stat(path); err == nil {
		t.Error("a missing file was created")
	}
}
