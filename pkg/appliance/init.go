package appliance

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"

	"github.com/mcpgate/mcpgate/pkg/config"
	"github.com/mcpgate/mcpgate/pkg/keyprovider/local"
	"github.com/mcpgate/mcpgate/pkg/secret"
	"github.com/mcpgate/mcpgate/pkg/store"
)

// InitResult says what Init did; an empty Created means nothing changed.
type InitResult struct {
	Created []string
	Owner   string
	// Notes are what the person must still do, each a sentence.
	Notes []string
	// Warnings are problems init found but did not stop for (an audit
	// log that cannot be keyed because its legacy chain is broken).
	Warnings []string
}

// InitOptions are init's choices beyond the config.
type InitOptions struct {
	// Owner names the owner user to create.
	Owner string
	// ServeRole names serve's PostgreSQL login, when database.url is the
	// owner's (no database.admin_url yet): "" is mcpgate_serve.
	ServeRole string
	// ServePassword is the serve login's password, if it needs one (not
	// with trust or peer authentication).
	ServePassword secret.Value
}

// Init is InitWith for the owner user owner, with the other defaults.
func Init(ctx context.Context, cfg *config.Config, owner string) (InitResult, error) {
	return InitWith(ctx, cfg, InitOptions{Owner: owner})
}

// InitWith creates the data dir, the config file, the KEK (local provider),
// the database schema, serve's own login (PostgreSQL) and the owner user.
// Run again, it changes nothing that exists, and never overwrites a KEK.
func InitWith(ctx context.Context, cfg *config.Config, opts InitOptions) (InitResult, error) {
	var res InitResult
	login, err := planServeLogin(cfg, opts)
	if err != nil {
		return res, err
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return res, fmt.Errorf("create data dir: %w", err)
	}
	if err := os.Chmod(cfg.DataDir, 0o700); err != nil {
		return res, fmt.Errorf("restrict data dir: %w", err)
	}
	cfgFile, wroteConfig := cfg.File, false
	if cfgFile == "" {
		cfgFile = filepath.Join(cfg.DataDir, config.FileName)
		created, err := writeConfig(cfgFile, cfg, login)
		if err != nil {
			return res, err
		}
		if created {
			wroteConfig = true
			res.Created = append(res.Created, "config file "+cfgFile)
		}
	}
	if err := createPrivate(cfg.Database.Admin()); err != nil {
		return res, err
	}
	st, err := store.Open(ctx, cfg.Database.Admin())
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
	if err := ensureServeLogin(ctx, st, cfg, login, opts.ServePassword, wroteConfig, &res); err != nil {
		st.Close()
		return res, err
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
	// DEK rows from before rows were authenticated get their MAC here.
	if _, err := a.Vault.AdoptDEKs(ctx); err != nil {
		return res, err
	}
	if u, err := a.ResolveUser(ctx, ""); err == nil {
		res.Owner = u.Name
		// The KEK must open the owner's DEK, or this is the wrong key file.
		if err := a.Vault.Check(ctx, u.ID); err != nil {
			return res, err
		}
		return res, a.KeyAuditLogs(ctx, func(name string, n int64, err error) {
			switch {
			case err != nil:
				res.Warnings = append(res.Warnings, fmt.Sprintf(
					"the audit log of %s cannot be re-chained under its audit key (%v): run `mcpgate audit verify --user %s`, keep an export as evidence, then prune past the broken record", name, err, name))
			case n > 0:
				res.Created = append(res.Created, fmt.Sprintf("audit chain of %s re-chained under its audit key (%d records)", name, n))
			}
		})
	}
	u, err := a.AddUser(ctx, opts.Owner, true)
	if err != nil {
		return res, err
	}
	res.Owner = u.Name
	res.Created = append(res.Created, "owner user "+u.Name)
	return res, nil
}

// writeConfig writes a minimal config file naming the data dir, unless one
// exists: on a derived serve login, database.url is serve's login and
// database.admin_url the URL init was given.
func writeConfig(path string, cfg *config.Config, login serveLogin) (bool, error) {
	db := config.Database{URL: cfg.Database.URL, AdminURL: cfg.Database.AdminURL}
	if login.derived {
		db = config.Database{URL: login.url, AdminURL: cfg.Database.URL}
	}
	return config.WriteNew(path, config.NewFile{DataDir: cfg.DataDir, Listen: cfg.Listen, Database: db, KeyProvider: cfg.KeyProvider})
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
