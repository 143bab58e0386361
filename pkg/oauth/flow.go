package oauth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/mcpgate/mcpgate/pkg/config"
	"github.com/mcpgate/mcpgate/pkg/connector"
	"github.com/mcpgate/mcpgate/pkg/secret"
	"github.com/mcpgate/mcpgate/pkg/store"
	"github.com/mcpgate/mcpgate/pkg/vault"
)

// StateTTL is how long a pending authorization may be completed.
const StateTTL = 10 * time.Minute

// Errors of the callback; each says what went wrong without detail an
// attacker could use.
var (
	ErrUnknownState = errors.New("this authorization link is unknown or was already used: run `mcpgate connect add` again")
	ErrExpiredState = errors.New("this authorization link expired (they last ten minutes): run `mcpgate connect add` again")
	ErrDenied       = errors.New("the authorization was declined at the provider; nothing was connected")
)

// Flow runs authorizations. It is safe for concurrent use.
type Flow struct {
	Config *config.Config
	Store  store.Store
	Vault  *vault.Vault
	HTTP   *http.Client
	Now    func() time.Time
	// MCPSettings, if set, gives the settings (store.Connection.MCP) a new
	// connection to the MCP server at url is stored with.
	MCPSettings func(url string) string
}

func (f *Flow) now() time.Time {
	if f.Now != nil {
		return f.Now()
	}
	return time.Now()
}

// Pending is a started authorization.
type Pending struct {
	URL       string // to open in the person's browser
	ExpiresAt time.Time
	Name      string
	// StateHash names the authorization (StateHash of its state), for a
	// listener that must answer only its own.
	StateHash string
}

// Begin starts connecting user's account at provider as connection name;
// the callback must arrive at redirect.
func (f *Flow) Begin(ctx context.Context, user store.User, provider, name string, scopes []string, redirect string) (Pending, error) {
	conf, op, err := clientConfig(f.Config, provider, redirect, scopes)
	if err != nil {
		return Pending{}, err
	}
	state, err := randomToken()
	if err != nil {
		return Pending{}, err
	}
	verifier := oauth2.GenerateVerifier()
	hash := StateHash(state)
	exp := f.now().Add(StateTTL).UTC()
	err = f.Vault.SealAndStore(ctx, user.ID, vault.PurposeOAuthVerify, hash, []byte(verifier), func(sealed []byte, dekVersion int) error {
		return f.Store.User(user.ID).PutOAuthState(ctx, store.OAuthState{
			StateHash: hash, UserID: user.ID, Provider: provider, Name: name,
			Verifier: sealed, DEKVersion: dekVersion, Scopes: strings.Join(conf.Scopes, " "),
			RedirectURL: redirect, ExpiresAt: exp, CreatedAt: f.now().UTC(),
		})
	})
	if err != nil {
		return Pending{}, fmt.Errorf("store pending authorization: %w", err)
	}
	ep := op.OAuth()
	opts := []oauth2.AuthCodeOption{oauth2.S256ChallengeOption(verifier)}
	for k, v := range ep.AuthParams {
		opts = append(opts, oauth2.SetAuthURLParam(k, v))
	}
	if ep.ScopeSeparator != "" {
		opts = append(opts, oauth2.SetAuthURLParam("scope", strings.Join(conf.Scopes, ep.ScopeSeparator)))
	}
	return Pending{URL: conf.AuthCodeURL(state, opts...), ExpiresAt: exp, Name: name, StateHash: hash}, nil
}

// Complete finishes an authorization in one step: it takes the pending
// state (once), exchanges the code with the PKCE verifier, asks the
// provider whose account it is, and stores the token sealed. The browser
// callback does not use it: it holds the code until the person confirms
// (Hold, then Confirm).
func (f *Flow) Complete(ctx context.Context, state, code string) (store.Connection, error) {
	if code == "" {
		return store.Connection{}, ErrUnknownState
	}
	ps, verifier, err := f.takeOpen(ctx, StateHash(state), state, "pending authorization")
	if err != nil {
		return store.Connection{}, err
	}
	if err := checkIssuer(ps, verifier, ""); err != nil {
		return store.Connection{}, err
	}
	return f.exchange(ctx, ps, verifier.Reveal(), code)
}

// exchange trades code for a token with the PKCE verifier of ps, asks the
// provider whose account it is, and stores the token sealed.
func (f *Flow) exchange(ctx context.Context, ps store.OAuthState, verifier, code string) (store.Connection, error) {
	if ps.Provider == ProviderMCP {
		return f.exchangeMCP(ctx, ps, verifier, code)
	}
	conf, op, err := clientConfig(f.Config, ps.Provider, ps.RedirectURL, strings.Fields(ps.Scopes))
	if err != nil {
		return store.Connection{}, err
	}
	tok, err := conf.Exchange(f.httpContext(ctx, ps.Provider), code, oauth2.VerifierOption(verifier))
	if err != nil {
		return store.Connection{}, fmt.Errorf("exchange the authorization code with %s: %s", ps.Provider, describeTokenError(err))
	}
	account, err := op.Identify(ctx, f.upstream(op, secret.FromString(tok.AccessToken)))
	if err != nil {
		tokens := secret.NewRedactor(secret.FromString(tok.AccessToken), secret.FromString(tok.RefreshToken))
		return store.Connection{}, fmt.Errorf("ask %s whose account this is: %w", ps.Provider, tokens.Scrub(err))
	}
	scopes := ps.Scopes
	if granted, ok := tok.Extra("scope").(string); ok && granted != "" {
		scopes = granted
	}
	return f.save(ctx, ps, &tokenSet{Token: *tok}, account, scopes, "")
}

// takeOpen is take for a record whose sealed verifier is needed: it opens
// the verifier before taking the record, because while the record exists
// the DEK version that sealed it cannot be retired by a rotation. what
// names the record in errors.
func (f *Flow) takeOpen(ctx context.Context, hash, raw, what string) (store.OAuthState, secret.Value, error) {
	if raw == "" {
		return store.OAuthState{}, secret.Value{}, ErrUnknownState
	}
	ps, err := f.Store.Privileged().OAuthState(ctx, hash)
	if errors.Is(err, store.ErrNotFound) {
		return store.OAuthState{}, secret.Value{}, ErrUnknownState
	}
	if err != nil {
		return store.OAuthState{}, secret.Value{}, fmt.Errorf("read %s: %w", what, err)
	}
	opened, openErr := f.Vault.Open(ctx, ps.UserID, vault.PurposeOAuthVerify, ps.StateHash, ps.Verifier)
	ps, err = f.take(ctx, hash, raw) // once, and not expired
	if err != nil {
		return store.OAuthState{}, secret.Value{}, err
	}
	if openErr != nil {
		return store.OAuthState{}, secret.Value{}, fmt.Errorf("open %s: %w", what, openErr)
	}
	return ps, opened, nil
}

// take takes the pending record with hash (once) and checks its expiry;
// raw is what the hash was made from, "" for none.
func (f *Flow) take(ctx context.Context, hash, raw string) (store.OAuthState, error) {
	if raw == "" {
		return store.OAuthState{}, ErrUnknownState
	}
	ps, err := f.Store.Privileged().TakeOAuthState(ctx, hash)
	if errors.Is(err, store.ErrNotFound) {
		return store.OAuthState{}, ErrUnknownState
	}
	if err != nil {
		return store.OAuthState{}, fmt.Errorf("read pending authorization: %w", err)
	}
	if f.now().After(ps.ExpiresAt) {
		return store.OAuthState{}, ErrExpiredState
	}
	return ps, nil
}

// save stores the token as a new connection, or as the new credential of
// an existing one of the same name (re-authorization).
// apiURL is the connection's per-connection API URL (an MCP server's
// address), "" for the provider's.
func (f *Flow) save(ctx context.Context, ps store.OAuthState, tok *tokenSet, account, scopes, apiURL string) (store.Connection, error) {
	us := f.Store.User(ps.UserID)
	now := f.now().UTC()
	c, err := us.Connection(ctx, ps.Name)
	exists := err == nil
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return store.Connection{}, fmt.Errorf("read connection: %w", err)
	}
	if exists && c.Provider != ps.Provider {
		return store.Connection{}, fmt.Errorf("connection %q is a %s connection; choose another --name", ps.Name, c.Provider)
	}
	if !exists {
		c = store.Connection{ID: newID(), UserID: ps.UserID, Name: ps.Name, Provider: ps.Provider, CreatedAt: now}
	}
	c.AuthKind, c.Account, c.Scopes, c.Status, c.UpdatedAt = connector.AuthOAuth2, account, scopes, StatusOK, now
	if apiURL != "" {
		c.APIURL = apiURL
		if c.MCP == "" && f.MCPSettings != nil {
			c.MCP = f.MCPSettings(apiURL)
		}
	}
	unknownExpiry(&tok.Token, now)
	c.ExpiresAt = tok.Expiry.UTC()
	raw, err := json.Marshal(tok)
	if err != nil {
		return store.Connection{}, fmt.Errorf("encode token: %w", err)
	}
	err = f.Vault.SealAndStore(ctx, ps.UserID, vault.PurposeCredential, c.ID, raw, func(sealed []byte, dekVersion int) error {
		c.Credential, c.DEKVersion = sealed, dekVersion
		if exists {
			return us.UpdateConnection(ctx, c)
		}
		return us.CreateConnection(ctx, c)
	})
	if err != nil {
		return store.Connection{}, fmt.Errorf("store connection: %w", err)
	}
	return c, nil
}

// httpContext carries the HTTP client for provider's token endpoint, with
// the provider's transport adapter when it needs one.
func (f *Flow) httpContext(ctx context.Context, provider string) context.Context {
	hc := f.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	if p, err := connector.Lookup(provider); err == nil {
		if tt, ok := p.(connector.TokenTransporter); ok {
			base := hc.Transport
			if base == nil {
				base = http.DefaultTransport
			}
			c := *hc
			c.Transport = tt.TokenTransport(base)
			hc = &c
		}
	}
	return context.WithValue(ctx, oauth2.HTTPClient, hc)
}

func (f *Flow) upstream(p connector.Provider, cred secret.Value) connector.Upstream {
	return connector.Upstream{
		BaseURL:        connector.BaseURL("", f.Config.Connectors[p.Name()].APIURL, p),
		Credential:     cred,
		HTTP:           f.HTTP,
		MaxResultBytes: f.Config.Limits.MaxResultBytes,
	}
}

// StateHash is how a state is stored: never the state itself, so that a
// copy of the database cannot complete someone's authorization.
func StateHash(state string) string {
	sum := sha256.Sum256([]byte("mcpgate oauth state\x00" + state))
	return hex.EncodeToString(sum[:])
}

func randomToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generate state: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

func newID() string {
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	return "c_" + hex.EncodeToString(b)
}

// describeTokenError says what a token endpoint answered without echoing
// its body, which may hold token material.
func describeTokenError(err error) string {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		if re.ErrorCode != "" {
			msg := re.ErrorCode
			if re.ErrorDescription != "" {
				msg += ": " + re.ErrorDescription
			}
			return msg
		}
		if re.Response != nil {
			return fmt.Sprintf("HTTP %d", re.Response.StatusCode)
		}
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return "the provider did not answer in time"
	}
	return "the token endpoint could not be reached or answered something unexpected"
}
