package oauth_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mcpgate/mcpgate/pkg/config"
	_ "github.com/mcpgate/mcpgate/pkg/connector/dropbox"
	"github.com/mcpgate/mcpgate/pkg/connector/dropbox/dropboxfake"
	"github.com/mcpgate/mcpgate/pkg/keyprovider/local"
	"github.com/mcpgate/mcpgate/pkg/oauth"
	"github.com/mcpgate/mcpgate/pkg/store"
	_ "github.com/mcpgate/mcpgate/pkg/store/sqlite"
	"github.com/mcpgate/mcpgate/pkg/vault"
)

type fixture struct {
	flow   *oauth.Flow
	fake   *dropboxfake.Server
	user   store.User
	dbPath string
	now    time.Time
}

func setup(t testing.TB) *fixture {
	t.Helper()
	ctx := context.Background()
	fake := dropboxfake.New("unused-static-token-000000000000")
	t.Cleanup(fake.Close)
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "mcpgate.db")
	st, err := store.Open(ctx, "sqlite://"+dbPath)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if err := local.Create(filepath.Join(dir, "kek")); err != nil {
		t.Fatal(err)
	}
	kp, err := local.Load(filepath.Join(dir, "kek"))
	if err != nil {
		t.Fatal(err)
	}
	v := vault.New(st, kp, vault.Options{})
	u := store.User{ID: "u_1", Name: "owner", Admin: true, CreatedAt: time.Now()}
	dek, _ := v.NewDEK(ctx, u.ID, 1)
	if err := st.Privileged().CreateUser(ctx, u, dek); err != nil {
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
	f := &fixture{fake: fake, user: u, dbPath: dbPath, now: time.Now()}
	f.flow = &oauth.Flow{Config: cfg, Store: st, Vault: v, HTTP: http.DefaultClient, Now: func() time.Time { return f.now }}
	return f
}

// consent approves the authorization at the fake and returns the callback's
// state and code.
func (f *fixture) consent(t *testing.T, authURL string) (state, code string) {
	t.Helper()
	nf := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := nf.Get(authURL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || loc.Query().Get("code") == "" {
		t.Fatalf("consent redirect %q", resp.Header.Get("Location"))
	}
	return loc.Query().Get("state"), loc.Query().Get("code")
}

func TestStateIsStoredHashedAndExpires(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	p, err := f.flow.Begin(ctx, f.user, "dropbox", "dropbox", nil, "http://127.0.0.1:1/oauth/callback")
	if err != nil {
		t.Fatal(err)
	}
	state, code := f.consent(t, p.URL)
	raw, _ := os.ReadFile(f.dbPath + "-wal")
	db, _ := os.ReadFile(f.dbPath)
	if strings.Contains(string(raw)+string(db), state) {
		t.Fatal("the raw state is stored in the database")
	}
	f.now = f.now.Add(oauth.StateTTL + time.Second)
	if _, err := f.flow.Complete(ctx, state, code); !errors.Is(err, oauth.ErrExpiredState) {
		t.Fatalf("expired state: %v", err)
	}
	f.now = f.now.Add(-oauth.StateTTL)
	if _, err := f.flow.Complete(ctx, state, code); !errors.Is(err, oauth.ErrUnknownState) {
		t.Fatalf("an expired state must also be used up: %v", err)
	}
}

func TestCompleteStoresSealedTokenForTheStatesUser(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	p, err := f.flow.Begin(ctx, f.user, "dropbox", "files", nil, "http://127.0.0.1:1/oauth/callback")
	if err != nil {
		t.Fatal(err)
	}
	state, code := f.consent(t, p.URL)
	c, err := f.flow.Complete(ctx, state, code)
	if err != nil {
		t.Fatal(err)
	}
	if c.UserID != f.user.ID || c.Name != "files" || c.Account != dropboxfake.Email || c.Status != oauth.StatusOK {
		t.Fatalf("connection = %+v", c)
	}
	if strings.Contains(string(c.Credential), "sl.u.") || strings.Contains(string(c.Credential), "access_token") {
		t.Fatal("the stored credential is not sealed")
	}
	if _, err := f.flow.Complete(ctx, state, code); !errors.Is(err, oauth.ErrUnknownState) {
		t.Fatalf("second completion: %v", err)
	}
}

func TestCompleteRefusesAWrongVerifier(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	p, err := f.flow.Begin(ctx, f.user, "dropbox", "dropbox", nil, "http://127.0.0.1:1/oauth/callback")
	if err != nil {
		t.Fatal(err)
	}
	state, _ := f.consent(t, p.URL)
	// A code minted for another PKCE challenge (an attacker's) fails the
	// exchange: the verifier kept for this state does not match it.
	other := f.fake.MintCode(dropboxfake.Grant{RedirectURI: "http://127.0.0.1:1/oauth/callback",
		CodeChallenge: strings.Repeat("A", 43), ChallengeMethod: "S256", Offline: true})
	_, err = f.flow.Complete(ctx, state, other)
	if err == nil || !strings.Contains(err.Error(), "invalid_grant") {
		t.Fatalf("exchange with another challenge's code: %v", err)
	}
}

func TestMissingClientIDSaysWhatToSet(t *testing.T) {
	f := setup(t)
	f.flow.Config.Connectors["dropbox"] = config.Connector{}
	_, err := f.flow.Begin(context.Background(), f.user, "dropbox", "dropbox", nil, "http://127.0.0.1:1/cb")
	if err == nil || !strings.Contains(err.Error(), "connectors.dropbox.client_id") {
		t.Fatalf("Begin without a client id: %v", err)
	}
}
