package oauth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"golang.org/x/oauth2"

	"github.com/mcpgate/mcpgate/pkg/mcpauth"
	"github.com/mcpgate/mcpgate/pkg/secret"
	"github.com/mcpgate/mcpgate/pkg/store"
	"github.com/mcpgate/mcpgate/pkg/vault"
)

// ProviderMCP is the provider of connections to MCP servers.
const ProviderMCP = "mcp"

// upstreamVersion is the version of upstreamAuth this mcpgate writes.
const upstreamVersion = 1

// ErrWrongIssuer means the authorization response named another
// authorization server than the one the authorization was sent to (RFC
// 9207): a mix-up attack, or a misconfigured server. Nothing is exchanged.
var ErrWrongIssuer = errors.New("the authorization response came from another authorization server than the one asked (RFC 9207 iss check); nothing was connected")

// upstreamAuth is how an MCP server's connection gets and refreshes its
// tokens: its authorization server and mcpgate's registration there. It is
// kept sealed with the token set (a dynamically registered client's
// secret is a credential), and with the PKCE verifier of a pending
// authorization.
type upstreamAuth struct {
	V int `json:"v"`
	// URL is the MCP server; Resource the resource identifier its
	// metadata names, sent as the resource parameter (RFC 8707).
	URL      string `json:"url"`
	Resource string `json:"resource"`
	// Issuer is the authorization server; IssParameter says it sends iss
	// in authorization responses (RFC 9207).
	Issuer       string `json:"issuer"`
	IssParameter bool   `json:"iss_parameter,omitempty"`
	AuthURL      string `json:"authorization_endpoint"`
	TokenURL     string `json:"token_endpoint"`
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret,omitempty"`
	AuthStyle    int    `json:"auth_style"`
	Registration string `json:"registration"`
}

// pendingMCP is what a pending MCP authorization keeps sealed in place of
// the bare PKCE verifier.
type pendingMCP struct {
	V        int          `json:"v"`
	Verifier string       `json:"verifier"`
	MCP      upstreamAuth `json:"mcp"`
}

func (u *upstreamAuth) config(redirect string, scopes []string) *oauth2.Config {
	return &oauth2.Config{
		ClientID:     u.ClientID,
		ClientSecret: u.ClientSecret,
		Endpoint:     oauth2.Endpoint{AuthURL: u.AuthURL, TokenURL: u.TokenURL, AuthStyle: oauth2.AuthStyle(u.AuthStyle)},
		RedirectURL:  redirect,
		Scopes:       scopes,
	}
}

// BeginMCP starts connecting user to the MCP server s (discovered by
// mcpauth.Discover) as connection name, with mcpgate registered as client;
// the callback must arrive at redirect. It is Begin for an MCP server: the
// same pending authorization, callback and confirmation page.
func (f *Flow) BeginMCP(ctx context.Context, user store.User, name string, s *mcpauth.Server, client mcpauth.Client, scopes []string, redirect string) (Pending, error) {
	if len(scopes) == 0 {
		scopes = s.Scopes
	}
	up := upstreamAuth{
		V: upstreamVersion, URL: s.URL, Resource: s.Resource,
		Issuer: s.AS.Issuer, IssParameter: s.AS.AuthorizationResponseIssParameterSupported,
		AuthURL: s.AS.AuthorizationEndpoint, TokenURL: s.AS.TokenEndpoint,
		ClientID: client.ID, ClientSecret: client.Secret.Reveal(), AuthStyle: int(client.AuthStyle),
		Registration: client.Method,
	}
	state, err := randomToken()
	if err != nil {
		return Pending{}, err
	}
	verifier := oauth2.GenerateVerifier()
	raw, err := json.Marshal(pendingMCP{V: upstreamVersion, Verifier: verifier, MCP: up})
	if err != nil {
		return Pending{}, fmt.Errorf("encode pending authorization: %w", err)
	}
	hash := StateHash(state)
	exp := f.now().Add(StateTTL).UTC()
	err = f.Vault.SealAndStore(ctx, user.ID, vault.PurposeOAuthVerify, hash, raw, func(sealed []byte, dekVersion int) error {
		return f.Store.User(user.ID).PutOAuthState(ctx, store.OAuthState{
			StateHash: hash, UserID: user.ID, Provider: ProviderMCP, Name: name,
			Verifier: sealed, DEKVersion: dekVersion, Scopes: strings.Join(scopes, " "),
			RedirectURL: redirect, ExpiresAt: exp, CreatedAt: f.now().UTC(),
		})
	})
	if err != nil {
		return Pending{}, fmt.Errorf("store pending authorization: %w", err)
	}
	conf := up.config(redirect, scopes)
	u := conf.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier), oauth2.SetAuthURLParam("resource", up.Resource))
	return Pending{URL: u, ExpiresAt: exp, Name: name, StateHash: hash}, nil
}

// openPendingMCP decodes an MCP authorization's sealed verifier.
func openPendingMCP(raw string) (pendingMCP, error) {
	var p pendingMCP
	if err := json.Unmarshal([]byte(raw), &p); err != nil || p.V != upstreamVersion || p.Verifier == "" || p.MCP.V != upstreamVersion {
		return pendingMCP{}, errors.New("open pending authorization: it is not one this mcpgate wrote")
	}
	return p, nil
}

// checkIssuer checks the iss of an authorization response for the pending
// authorization ps (RFC 9207 §2.4): required and equal to the issuer asked
// when that authorization server says it sends one; equal when present
// otherwise. The built-in providers' responses are not checked.
func checkIssuer(ps store.OAuthState, opened secret.Value, iss string) error {
	if ps.Provider != ProviderMCP {
		return nil
	}
	p, err := openPendingMCP(opened.Reveal())
	if err != nil {
		return err
	}
	switch {
	case iss == "" && p.MCP.IssParameter:
		return fmt.Errorf("%w (the response has no iss, which %s promises)", ErrWrongIssuer, p.MCP.Issuer)
	case iss != "" && iss != p.MCP.Issuer:
		return fmt.Errorf("%w (expected %s)", ErrWrongIssuer, p.MCP.Issuer)
	}
	return nil
}

// exchangeMCP trades code for a token at the MCP server's authorization
// server, with the PKCE verifier and the resource, and stores it sealed
// with the client registration that refreshes it.
func (f *Flow) exchangeMCP(ctx context.Context, ps store.OAuthState, opened, code string) (store.Connection, error) {
	p, err := openPendingMCP(opened)
	if err != nil {
		return store.Connection{}, err
	}
	conf := p.MCP.config(ps.RedirectURL, strings.Fields(ps.Scopes))
	tok, err := conf.Exchange(f.httpContext(ctx, ProviderMCP), code, oauth2.VerifierOption(p.Verifier), oauth2.SetAuthURLParam("resource", p.MCP.Resource))
	if err != nil {
		return store.Connection{}, fmt.Errorf("exchange the authorization code with %s: %s", p.MCP.Issuer, describeTokenError(err))
	}
	scopes := ps.Scopes
	if granted, ok := tok.Extra("scope").(string); ok && granted != "" {
		scopes = granted
	}
	account := p.MCP.URL
	if u, err := url.Parse(p.MCP.URL); err == nil {
		account = u.Host
	}
	return f.save(ctx, ps, &tokenSet{Token: *tok, MCP: &p.MCP}, account, scopes, p.MCP.URL)
}
