package appliance

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/mcpgate/mcpgate/pkg/config"
	"github.com/mcpgate/mcpgate/pkg/keyprovider/local"
	"github.com/mcpgate/mcpgate/pkg/store"
)

// InitResult says what Init did; an empty Created means nothing changed.
type InitResult struct {
	Created []string
	Owner   string
}

// Init creates the data dir, the config file, the KEK (local provider), the
// database schema and the owner user. Run again, it changes nothing that
// exists, and never overwrites a KEK.
func Init(ctx context.Context, cfg *config.Config, owner string) (InitResult, error) {
	var res InitResult
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return res, fmt.Errorf("create data dir: %w", err)
	}
	if err := os.Chmod(cfg.DataDir, 0o700); err != nil {
		return res, fmt.Errorf("restrict data dir: %w", err)
	}
	cfgFile := cfg.File
	if cfgFile == "" {
		cfgFile = filepath.Join(cfg.DataDir, config.FileName)
		created, err := writeConfig(cfgFile, cfg)
		if err != nil {
			return res, err
		}
		if created {
			res.Created = append(res.Created, "config file "+cfgFile)
		}
	}
	if err := createPrivate(cfg.Database.URL); err != nil {
		return res, err
	}
	st, err := store.Open(ctx, cfg.Database.URL)
	if err != nil {
		return res, fmt.Errorf("open database: %w", err)
	}
	if err := st.CheckSchema(ctx); errors.Is(err, store.ErrSchemaTooNew) {
		st.Close()
		return res, err
	} else if err != nil {
		if err := st.Migrate(ctx); err != nil {
			st.Close()
			return res, fmt.Errorf("migrate database: %w", err)
		}
		res.Created = append(res.Created, "database schema at "+redactURL(cfg.Database.URL))
	}
	users, err := st.Privileged().ListUsers(ctx)
	st.Close()
	if err != nil {
		return res, fmt.Errorf("list users: %w", err)
	}
	if u, err := url.Parse(cfg.KeyProvider); err == nil && u.Scheme == "local" {
		path := u.Path
		if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
			if len(users) > 0 {
				// A new KEK could not open the data keys already stored.
				return res, fmt.Errorf("KEK file %s is missing, but the database holds data keys wrapped by it: restore the KEK from your backup (a new one cannot open them)", path)
			}
			if err := local.Create(path); err != nil {
				return res, err
			}
			res.Created = append(res.Created, "KEK "+path)
		}
	}

	a, err := Open(ctx, cfg)
	if err != nil {
		return res, err
	}
	defer a.Close()
	if err := a.Vault.Check(ctx, ""); err != nil {
		return res, err
	}
	if err := a.RegisterKEK(ctx); err != nil {
		return res, fmt.Errorf("record the KEK: %w", err)
	}
	if u, err := a.ResolveUser(ctx, ""); err == nil {
		res.Owner = u.Name
		// The KEK must open the owner's DEK, or this is the wrong key file.
		return res, a.Vault.Check(ctx, u.ID)
	}
	u, err := a.AddUser(ctx, owner, true)
	if err != nil {
		return res, err
	}
	res.Owner = u.Name
	res.Created = append(res.Created, "owner user "+u.Name)
	return res, nil
}

// writeConfig writes a minimal config file naming the data dir, unless one
// exists.
func writeConfig(path string, cfg *config.Config) (bool, error) {
	var b strings.Builder
	b.WriteString("# mcpgate configuration; every setting is described in configs/mcpgate.example.yaml\n")
	fmt.Fprintf(&b, "data_dir: %q\n", cfg.DataDir)
	fmt.Fprintf(&b, "listen: %q\n", cfg.Listen)
	if u, err := url.Parse(cfg.Database.URL); err == nil && u.User != nil {
		if _, hasPassword := u.User.Password(); hasPassword {
			// A password does not belong in a file others may read
			// over one's shoulder; the environment keeps it.
			b.WriteString("# database.url holds a password: set it in MCPGATE_DATABASE_URL\n")
		} else {
			fmt.Fprintf(&b, "database:\n  url: %q\n", cfg.Database.URL)
		}
	} else {
		fmt.Fprintf(&b, "database:\n  url: %q\n", cfg.Database.URL)
	}
	fmt.Fprintf(&b, "key_provider: %q\n", cfg.KeyProvider)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("create config file: %w", err)
	}
	if _, err := f.WriteString(b.String()); err != nil {
		f.Close()
		return false, fmt.Errorf("write config file: %w", err)
	}
	return true, f.Close()
}

// redactURL drops a password from a database URL for display.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparseable url)"
	}
	return u.Redacted()
}

// createPrivate creates a new SQLite database file with mode 0600 before
// the driver would create it readable by everyone (SQLite gives its WAL
// and shared-memory files the database's mode).
func createPrivate(dbURL string) error {
	u, err := url.Parse(dbURL)
	if err != nil || u.Scheme != "sqlite" || u.Path == "" {
		return nil
	}
	f, err := os.OpenFile(u.Path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("create database file: %w", err)
	}
	return f.Close()
}
