// Command mcpauthclient is mcpgate's upstream OAuth client as an MCP
// client for the official conformance suite's client scenarios (auth/...):
// given a server URL, it discovers, registers, authorises through package
// oauth's flow (the mock authorization server approves at once, so the
// redirect is read instead of a browser), stores the token sealed in a
// throw-away vault, and lists and calls the server's tools through the
// refreshing transport, authorising again on a step-up.
//
//	npx @modelcontextprotocol/conformance client --command "go run ./test/interop/mcpauthclient" --scenario auth/metadata-default
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mcpgate/mcpgate/pkg/config"
	"github.com/mcpgate/mcpgate/pkg/keyprovider/local"
	"github.com/mcpgate/mcpgate/pkg/mcpauth"
	"github.com/mcpgate/mcpgate/pkg/oauth"
	"github.com/mcpgate/mcpgate/pkg/secret"
	"github.com/mcpgate/mcpgate/pkg/store"
	_ "github.com/mcpgate/mcpgate/pkg/store/sqlite"
	"github.com/mcpgate/mcpgate/pkg/vault"
)

const redirect = "http://127.0.0.1:8976/oauth/callback"

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: mcpauthclient SERVER_URL")
		os.Exit(2)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := run(ctx, os.Args[len(os.Args)-1]); err != nil {
		fmt.Fprintln(os.Stderr, "mcpauthclient:", err)
		os.Exit(1)
	}
}

type client struct {
	flow   *oauth.Flow
	tokens *oauth.Tokens
	user   store.User
	opts   mcpauth.Options
	ro     mcpauth.RegisterOptions
}

func run(ctx context.Context, serverURL string) error {
	c, cleanup, err := newClient(ctx)
	if err != nil {
		return err
	}
	defer cleanup()
	// Scenario context: a pre-registered client's id and secret.
	var sc struct {
		ClientID     string `json:"client_id"`
		ClientSecret string `json:"client_secret"`
	}
	if raw := os.Getenv("MCP_CONFORMANCE_CONTEXT"); raw != "" {
		_ = json.Unmarshal([]byte(raw), &sc)
	}
	c.ro = mcpauth.RegisterOptions{RedirectURL: redirect, ClientID: sc.ClientID, ClientSecret: secret.FromString(sc.ClientSecret)}
	// MCPAUTHCLIENT_CIMD_URL stands for serve's https public_url: the URL
	// its client metadata document would be served at, whose one redirect
	// URI this client uses.
	if u := os.Getenv("MCPAUTHCLIENT_CIMD_URL"); u != "" {
		c.ro.MetadataURL, c.ro.MetadataRedirects = u, []string{redirect}
	}
	// First without a token: a server may let some requests through and
	// answer 401 only later; its first 401 starts the authorization.
	rec := &challenges{base: http.DefaultTransport}
	err = c.session(ctx, &http.Client{Transport: rec}, serverURL)
	if err == nil && !rec.seen {
		return nil
	}
	if !rec.seen {
		return err
	}
	conn, err := c.authorise(ctx, serverURL, rec.ch, nil)
	if err != nil {
		return err
	}
	for attempt := 0; ; attempt++ {
		err = c.use(ctx, conn, serverURL)
		var step *oauth.StepUpError
		if !errors.As(err, &step) || attempt >= 2 {
			return err
		}
		fmt.Fprintln(os.Stderr, "step-up:", step.Scope)
		if conn, err = c.authorise(ctx, serverURL, mcpauth.Challenge{Scope: step.Scope}, strings.Fields(step.Scope)); err != nil {
			return err
		}
	}
}

// challenges records the first 401's Bearer challenge.
type challenges struct {
	base http.RoundTripper
	seen bool
	ch   mcpauth.Challenge
}

func (r *challenges) RoundTrip(req *http.Request) (*http.Response, error) {
	res, err := r.base.RoundTrip(req)
	if err == nil && res.StatusCode == http.StatusUnauthorized && !r.seen {
		r.ch, _ = mcpauth.ParseChallenge(res.Header)
		r.seen = true
	}
	return res, err
}

func newClient(ctx context.Context) (*client, func(), error) {
	dir, err := os.MkdirTemp("", "mcpauthclient")
	if err != nil {
		return nil, nil, err
	}
	cleanup := func() { os.RemoveAll(dir) }
	st, err := store.Open(ctx, "sqlite://"+filepath.Join(dir, "db"))
	if err != nil {
		return nil, cleanup, err
	}
	if err := st.Migrate(ctx); err != nil {
		return nil, cleanup, err
	}
	if err := local.Create(filepath.Join(dir, "kek")); err != nil {
		return nil, cleanup, err
	}
	kp, err := local.Load(filepath.Join(dir, "kek"))
	if err != nil {
		return nil, cleanup, err
	}
	v := vault.New(st, kp, vault.Options{})
	u := store.User{ID: "u_1", Name: "conformance", Admin: true, CreatedAt: time.Now()}
	dek, err := v.NewDEK(ctx, u.ID, 1)
	if err != nil {
		return nil, cleanup, err
	}
	if err := st.Privileged().CreateUser(ctx, u, dek); err != nil {
		return nil, cleanup, err
	}
	cfg, err := config.Load(config.Options{Env: []string{"MCPGATE_DATA_DIR=" + dir}})
	if err != nil {
		return nil, cleanup, err
	}
	flow := &oauth.Flow{Config: cfg, Store: st, Vault: v, HTTP: &http.Client{Timeout: 30 * time.Second}}
	return &client{flow: flow, tokens: &oauth.Tokens{Flow: flow}, user: u, opts: mcpauth.Options{AllowLoopbackHTTP: true}},
		func() { st.Close(); cleanup() }, nil
}

// authorise runs the whole flow as `connect add mcp` does.
func (c *client) authorise(ctx context.Context, serverURL string, ch mcpauth.Challenge, scopes []string) (store.Connection, error) {
	s, err := mcpauth.Discover(ctx, serverURL, ch, c.opts)
	if err != nil {
		return store.Connection{}, err
	}
	reg, err := mcpauth.Register(ctx, s, c.ro, c.opts)
	if err != nil {
		return store.Connection{}, err
	}
	p, err := c.flow.BeginMCP(ctx, c.user, "conformance", s, reg, scopes, redirect)
	if err != nil {
		return store.Connection{}, err
	}
	nf := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := nf.Get(p.URL)
	if err != nil {
		return store.Connection{}, err
	}
	res.Body.Close()
	loc, err := url.Parse(res.Header.Get("Location"))
	if err != nil || res.StatusCode/100 != 3 {
		return store.Connection{}, fmt.Errorf("the authorization endpoint answered %d", res.StatusCode)
	}
	q := loc.Query()
	if q.Get("error") != "" {
		return store.Connection{}, fmt.Errorf("authorization refused: %s", q.Get("error"))
	}
	held, err := c.flow.HoldFrom(ctx, q.Get("state"), q.Get("code"), q.Get("iss"))
	if err != nil {
		return store.Connection{}, err
	}
	return c.flow.Confirm(ctx, held.Token)
}

// use lists and calls the server's tools through the connection.
func (c *client) use(ctx context.Context, conn store.Connection, serverURL string) error {
	cred, err := c.flow.Vault.Open(ctx, conn.UserID, vault.PurposeCredential, conn.ID, conn.Credential)
	if err != nil {
		return err
	}
	return c.session(ctx, &http.Client{Transport: c.tokens.Transport(conn, cred, nil)}, serverURL)
}

// session lists and calls the server's tools with hc.
func (c *client) session(ctx context.Context, hc *http.Client, serverURL string) error {
	cl := mcp.NewClient(&mcp.Implementation{Name: "mcpgate-upstream-oauth", Version: "1"}, nil)
	s, err := cl.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: serverURL, HTTPClient: hc, DisableStandaloneSSE: true}, nil)
	if err != nil {
		return err
	}
	defer s.Close()
	tools, err := s.ListTools(ctx, nil)
	if err != nil {
		return err
	}
	for _, t := range tools.Tools {
		if _, err := s.CallTool(ctx, &mcp.CallToolParams{Name: t.Name, Arguments: map[string]any{}}); err != nil {
			return err
		}
	}
	return nil
}
