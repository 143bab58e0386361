package oauth_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"testing"
	"time"

	"github.com/mcpgate/mcpgate/pkg/appliance"
	"github.com/mcpgate/mcpgate/pkg/config"
	"github.com/mcpgate/mcpgate/pkg/connector/dropbox/dropboxfake"
	"github.com/mcpgate/mcpgate/pkg/keyprovider/local"
	"github.com/mcpgate/mcpgate/pkg/oauth"
	"github.com/mcpgate/mcpgate/pkg/store"
	_ "github.com/mcpgate/mcpgate/pkg/store/postgres"
	"github.com/mcpgate/mcpgate/pkg/store/postgres/pgtest"
	"github.com/mcpgate/mcpgate/pkg/vault"
)

// staticToken is the fake's long-lived token, for `connect add` with a
// pasted token.
const staticToken = "sl.static-token-for-connect-add-0000"

// shared is one mcpgate database (a SQLite file or a PostgreSQL
// database), its KEK and config, which several processes open.
type shared struct {
	dbURL string
	kek   *local.Provider
	cfg   *config.Config
	fake  *dropboxfake.Server
	user  store.User
}

// process is what one mcpgate process holds: its own connection pool,
// vault (with its own DEK cache), OAuth flow and token refresher.
type process struct {
	st     store.Store
	vault  *vault.Vault
	flow   *oauth.Flow
	tokens *oauth.Tokens
	app    *appliance.App
}

// eachDriver runs fn against a fresh SQLite file and a fresh PostgreSQL
// database (skipped visibly without MCPGATE_TEST_POSTGRES_URL).
func eachDriver(t *testing.T, fn func(t *testing.T, dbURL string)) {
	t.Run("sqlite", func(t *testing.T) { fn(t, "sqlite://"+filepath.Join(t.TempDir(), "mcpgate.db")) })
	t.Run("postgres", func(t *testing.T) { fn(t, pgtest.FreshDB(t)) })
}

func newShared(t *testing.T, dbURL string, opts ...dropboxfake.Option) *shared {
	t.Helper()
	ctx := context.Background()
	fake := dropboxfake.New(staticToken, opts...)
	t.Cleanup(fake.Close)
	dir := t.TempDir()
	if err := local.Create(filepath.Join(dir, "kek")); err != nil {
		t.Fatal(err)
	}
	kp, err := local.Load(filepath.Join(dir, "kek"))
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(config.Options{Env: []string{
		"MCPGATE_DATA_DIR=" + dir,
		"MCPGATE_CONNECTORS_DROPBOX_CLIENT_ID=" + fake.ClientID,
		"MCPGATE_CONNECTORS_DROPBOX_CLIENT_SECRET=" + fake.ClientSecret,
		"MCPGATE_CONNECTORS_DROPBOX_AUTH_URL=" + fake.AuthURL,
		"MCPGATE_CONNECTORS_DROPBOX_TOKEN_URL=" + fake.TokenURL,
		"MCPGATE_CONNECTORS_DROPBOX_API_URL=" + fake.URL,
	}})
	if err != nil {
		t.Fatal(err)
	}
	s := &shared{dbURL: dbURL, kek: kp, cfg: cfg, fake: fake,
		user: store.User{ID: "u_1", Name: "owner", Admin: true, CreatedAt: time.Now().UTC()}}
	p := s.process(t)
	if err := p.st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	dek, err := p.vault.NewDEK(ctx, s.user.ID, 1)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.st.Privileged().CreateUser(ctx, s.user, dek); err != nil {
		t.Fatal(err)
	}
	return s
}

// process opens the database as another mcpgate process would.
func (s *shared) process(t *testing.T) *process {
	t.Helper()
	st, err := store.Open(context.Background(), s.dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	v := vault.New(st, s.kek, vault.Options{})
	flow := &oauth.Flow{Config: s.cfg, Store: st, Vault: v, HTTP: http.DefaultClient}
	return &process{st: st, vault: v, flow: flow, tokens: &oauth.Tokens{Flow: flow},
		app: &appliance.App{Config: s.cfg, Store: st, Vault: v}}
}

// connect runs the OAuth flow to its callback in p: begin, consent at the
// fake, complete.
func (p *process) connect(ctx context.Context, u store.User, name string) (store.Connection, error) {
	pend, err := p.flow.Begin(ctx, u, "dropbox", name, nil, "http://127.0.0.1:1/oauth/callback")
	if err != nil {
		return store.Connection{}, err
	}
	nf := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := nf.Get(pend.URL)
	if err != nil {
		return store.Connection{}, err
	}
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || loc.Query().Get("code") == "" {
		return store.Connection{}, fmt.Errorf("consent redirect %q", resp.Header.Get("Location"))
	}
	return p.flow.Complete(ctx, loc.Query().Get("state"), loc.Query().Get("code"))
}

// access is what a gateway call does in p: read the connection, open its
// credential, get the access token to call with (refreshing if force).
func (p *process) access(ctx context.Context, userID, name string, force bool) (string, error) {
	c, err := p.st.User(userID).Connection(ctx, name)
	if err != nil {
		return "", err
	}
	cred, err := p.vault.Open(ctx, userID, vault.PurposeCredential, c.ID, c.Credential)
	if err != nil {
		return "", err
	}
	tok, err := p.tokens.ForCall(ctx, c, cred, force)
	return tok.Reveal(), err
}

// stored opens the token set stored for the connection name.
func (p *process) stored(t *testing.T, userID, name string) (store.Connection, map[string]any) {
	t.Helper()
	ctx := context.Background()
	c, err := p.st.User(userID).Connection(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	cred, err := p.vault.Open(ctx, userID, vault.PurposeCredential, c.ID, c.Credential)
	if err != nil {
		t.Fatalf("open the credential of %s: %v", name, err)
	}
	var tok map[string]any
	if err := json.Unmarshal(cred.Bytes(), &tok); err != nil {
		t.Fatal(err)
	}
	return c, tok
}
