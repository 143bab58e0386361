package appliance

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mcpgate/mcpgate/pkg/audit"
	"github.com/mcpgate/mcpgate/pkg/config"
	"github.com/mcpgate/mcpgate/pkg/store"
)

// newApp initialises an install in a temporary data dir (SQLite, local
// KEK) and opens it as the admin commands do; it returns the owner too.
func newApp(t *testing.T) (*App, store.User) {
	t.Helper()
	cfg, err := config.Load(config.Options{Env: []string{"MCPGATE_DATA_DIR=" + t.TempDir()}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Init(t.Context(), cfg, "owner"); err != nil {
		t.Fatal(err)
	}
	a, err := Open(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	u, err := a.ResolveUser(t.Context(), "")
	if err != nil {
		t.Fatal(err)
	}
	return a, u
}

func TestAppListsTheUsersOwnRows(t *testing.T) {
	a, owner := newApp(t)
	ctx := t.Context()
	other, err := a.AddUser(ctx, "other", false)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := a.CreateKey(ctx, owner, "desktop", nil); err != nil {
		t.Fatal(err)
	}
	if _, _, err := a.CreateKey(ctx, other, "laptop", nil); err != nil {
		t.Fatal(err)
	}
	for _, c := range []store.Connection{
		{ID: "c_1", UserID: owner.ID, Name: "files", Provider: "dropbox", AuthKind: "api_key", Status: "ok", DEKVersion: 1},
		{ID: "c_2", UserID: other.ID, Name: "code", Provider: "github", AuthKind: "api_key", Status: "ok", DEKVersion: 1},
	} {
		if err := a.Store.User(c.UserID).CreateConnection(ctx, c); err != nil {
			t.Fatal(err)
		}
	}

	keys, err := a.APIKeys(ctx, owner)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := names(keys, func(k store.APIKey) string { return k.Name }), []string{"desktop"}; !slices.Equal(got, want) {
		t.Errorf("APIKeys(owner) = %v, want %v", got, want)
	}
	conns, err := a.Connections(ctx, owner)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := names(conns, func(c store.Connection) string { return c.Name }), []string{"files"}; !slices.Equal(got, want) {
		t.Errorf("Connections(owner) = %v, want %v", got, want)
	}
	if c, err := a.Connection(ctx, owner, "files"); err != nil || c.ID != "c_1" {
		t.Errorf("Connection(owner, files) = %+v, %v; want c_1", c, err)
	}
	if _, err := a.Connection(ctx, owner, "code"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Connection(owner, another user's connection): got %v, want store.ErrNotFound", err)
	}
}

func names[T any](xs []T, name func(T) string) []string {
	var out []string
	for _, x := range xs {
		out = append(out, name(x))
	}
	return out
}

func TestAppAuditVerifyCheckpointAndPrune(t *testing.T) {
	a, owner := newApp(t)
	ctx := t.Context()
	w := audit.NewWriter(a.Store, a.AuditKeys)
	old := time.Now().Add(-48 * time.Hour).UTC()
	for i, at := range []time.Time{old, old.Add(time.Minute), time.Now().UTC()} {
		rec := store.AuditRecord{UserID: owner.ID, Time: at, KeyID: "k_1", Tool: "files_list", Arguments: "{}", Decision: "allow", Outcome: "ok", LatencyUS: int64(i)}
		if _, err := w.Write(ctx, rec); err != nil {
			t.Fatal(err)
		}
	}

	rep, err := a.VerifyAudit(ctx, []string{owner.ID}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Records != 3 || len(rep.Breaks) != 0 {
		t.Errorf("VerifyAudit: %d records, breaks %+v; want 3 and none", rep.Records, rep.Breaks)
	}
	cp, err := a.CheckpointAudit(ctx, owner, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if cp.UserID != owner.ID || cp.Count != 3 {
		t.Errorf("CheckpointAudit: user %q, %d records; want %q and 3", cp.UserID, cp.Count, owner.ID)
	}
	if rep, err := a.VerifyAudit(ctx, []string{owner.ID}, []audit.Checkpoint{cp}); err != nil || len(rep.Breaks) != 0 {
		t.Errorf("VerifyAudit against its own checkpoint: %+v, %v", rep.Breaks, err)
	}

	n, err := a.PruneAudit(ctx, []store.User{owner}, time.Now().Add(-24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Errorf("PruneAudit deleted %d records older than a day, want 2", n)
	}
}

func TestAppSetKeyProvider(t *testing.T) {
	a, _ := newApp(t)
	// An install init wrote a config file for, but loaded from the
	// environment: there is no file to update.
	if path, err := a.SetKeyProvider("awskms://alias/new"); path != "" || err != nil {
		t.Errorf("without a config file: %q, %v; want nothing written", path, err)
	}
	a.Config.File = filepath.Join(a.Config.DataDir, config.FileName)
	path, err := a.SetKeyProvider("awskms://alias/new")
	if err != nil || path != a.Config.File {
		t.Fatalf("SetKeyProvider = %q, %v; want %q", path, err, a.Config.File)
	}
	cfg, err := config.Load(config.Options{File: path, Env: []string{}})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.KeyProvider != "awskms://alias/new" || cfg.DataDir != a.Config.DataDir {
		t.Errorf("the file now loads key_provider %q, data_dir %q", cfg.KeyProvider, cfg.DataDir)
	}
}

func TestWriteConfigNamesServesLogin(t *testing.T) {
	tests := []struct {
		name      string
		db        config.Database
		login     serveLogin
		url, admn string // "" admn: no admin_url line
	}{
		{"SQLite: the URL as given", config.Database{URL: "sqlite:///d/mcpgate.db"}, serveLogin{},
			"sqlite:///d/mcpgate.db", ""},
		{"a derived login: serve's URL, and the given one as admin_url",
			config.Database{URL: "postgres://mcpgate@db/mcpgate"},
			serveLogin{role: "mcpgate_serve", url: "postgres://mcpgate_serve@db/mcpgate", derived: true},
			"postgres://mcpgate_serve@db/mcpgate", "postgres://mcpgate@db/mcpgate"},
		{"both URLs given: both as given",
			config.Database{URL: "postgres://gw@db/mcpgate", AdminURL: "postgres://mcpgate@db/mcpgate"},
			serveLogin{role: "gw", url: "postgres://gw@db/mcpgate"},
			"postgres://gw@db/mcpgate", "postgres://mcpgate@db/mcpgate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), config.FileName)
			cfg := &config.Config{DataDir: "/d", Listen: "127.0.0.1:8080", Database: tt.db, KeyProvider: "local:///d/kek"}
			if wrote, err := writeConfig(path, cfg, tt.login); err != nil || !wrote {
				t.Fatalf("writeConfig = %v, %v", wrote, err)
			}
			b, _ := os.ReadFile(path)
			s := string(b)
			if !strings.Contains(s, "  url: \""+tt.url+"\"\n") {
				t.Errorf("url is not %q:\n%s", tt.url, s)
			}
			if got := strings.Contains(s, "admin_url"); got != (tt.admn != "") || (got && !strings.Contains(s, "  admin_url: \""+tt.admn+"\"\n")) {
				t.Errorf("admin_url is not %q:\n%s", tt.admn, s)
			}
		})
	}
}
