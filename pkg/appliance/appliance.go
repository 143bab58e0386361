package appliance

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/mcpgate/mcpgate/pkg/audit"
	"github.com/mcpgate/mcpgate/pkg/config"
	"github.com/mcpgate/mcpgate/pkg/keyprovider"
	"github.com/mcpgate/mcpgate/pkg/oauth"
	"github.com/mcpgate/mcpgate/pkg/store"
	"github.com/mcpgate/mcpgate/pkg/vault"

	// The connectors this binary ships with. The store and key provider
	// drivers are the binary's to choose (cmd/mcpgate/main.go): an App
	// opens whichever are linked in, by URL.
	_ "github.com/mcpgate/mcpgate/pkg/connector/dropbox"
	_ "github.com/mcpgate/mcpgate/pkg/connector/github"
	_ "github.com/mcpgate/mcpgate/pkg/connector/google"
	_ "github.com/mcpgate/mcpgate/pkg/connector/slack"
)

// App is an opened appliance. Close releases everything it opened.
type App struct {
	Config *config.Config
	// Store and Vault are for tests and for what this package builds on
	// them (serve's gateway); the commands go through App's methods.
	Store store.Store
	Vault *vault.Vault
	// AuditKeys opens the users' audit keys through Vault.
	AuditKeys *audit.Keys

	kp     keyprovider.Provider // the KEK's provider
	flow   *oauth.Flow
	tokens *oauth.Tokens
	keks   *vault.Registry
}

// Open opens the key provider and the store (checking its schema), for
// the admin commands: on database.admin_url if set, else database.url. A
// process that cannot read the data dir or the KEK gets ErrNotOperator.
func Open(ctx context.Context, cfg *config.Config) (*App, error) {
	return open(ctx, cfg, cfg.Database.Admin())
}

// OpenServe is Open for serve: always on database.url, which on
// PostgreSQL is serve's own login (see `mcpgate init`).
func OpenServe(ctx context.Context, cfg *config.Config) (*App, error) {
	return open(ctx, cfg, cfg.Database.URL)
}

func open(ctx context.Context, cfg *config.Config, dbURL string) (*App, error) {
	if err := checkDataDir(cfg.DataDir); err != nil {
		return nil, err
	}
	a := &App{Config: cfg}
	// The KEK first: an account that may not use it learns so before the
	// database is touched.
	kp, err := keyprovider.Open(ctx, cfg.KeyProvider)
	if err != nil {
		return nil, OperatorError(err)
	}
	a.kp = kp
	st, err := store.Open(ctx, dbURL)
	if err != nil {
		a.Close()
		return nil, OperatorError(fmt.Errorf("open database: %w", err))
	}
	a.Store = st
	if err := st.CheckSchema(ctx); err != nil {
		a.Close()
		return nil, OperatorError(err)
	}
	a.keks = vault.NewRegistry(st, kp, cfg.KeyProvider)
	a.Vault = vault.New(st, kp, vault.Options{Registry: a.keks})
	a.AuditKeys = audit.NewKeys(st, a.Vault)
	return a, nil
}

// Close releases what Open opened; safe after a partial Open.
func (a *App) Close() error {
	var errs []error
	if a.keks != nil {
		a.keks.Close()
	}
	if a.kp != nil {
		errs = append(errs, a.kp.Close())
	}
	if a.Store != nil {
		errs = append(errs, a.Store.Close())
	}
	return errors.Join(errs...)
}

// ResolveUser finds the user a command acts for: name, or the owner (the
// first admin) when name is "".
func (a *App) ResolveUser(ctx context.Context, name string) (store.User, error) {
	if name != "" {
		u, err := a.Store.Privileged().UserByName(ctx, name)
		if errors.Is(err, store.ErrNotFound) {
			return store.User{}, fmt.Errorf("no user named %q: see `mcpgate user list`", name)
		}
		return u, err
	}
	users, err := a.Store.Privileged().ListUsers(ctx)
	if err != nil {
		return store.User{}, fmt.Errorf("list users: %w", err)
	}
	sort.Slice(users, func(i, j int) bool { return users[i].CreatedAt.Before(users[j].CreatedAt) })
	for _, u := range users {
		if u.Admin {
			return u, nil
		}
	}
	return store.User{}, errors.New("there is no owner user: run `mcpgate init`, or pass --user")
}
