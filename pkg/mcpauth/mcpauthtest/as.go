// Package mcpauthtest runs, on loopback, an OAuth authorization server
// that follows the RFCs an MCP client meets (8414 metadata, 7591 dynamic
// registration, client ID metadata documents, 7636 PKCE, 8707 resource,
// 9207 iss) and an MCP server behind the go-sdk's own auth middleware that
// trusts it. Tests of mcpgate's upstream OAuth client use them.
package mcpauthtest

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/mcpgate/mcpgate/pkg/connector/fakekit"
)

// Iss says what the authorization server puts in the iss parameter of its
// authorization responses.
type Iss int

const (
	IssRight Iss = iota // its own issuer
	IssWrong            // another issuer (a mix-up)
	IssNone             // none
)

// ASOptions configure an AS.
type ASOptions struct {
	// DCR offers dynamic client registration; CIMD accepts client ID
	// metadata documents (fetched with CIMDClient).
	DCR, CIMD  bool
	CIMDClient *http.Client
	// IssParameter advertises authorization_response_iss_parameter_supported;
	// Iss is what the responses carry.
	IssParameter bool
	Iss          Iss
	// Path is the issuer's path ("" for the origin), to exercise RFC 8414
	// path insertion.
	Path string
	// MetadataIssuer, if set, is the issuer the metadata claims instead
	// of its own (a misconfigured or impersonating server).
	MetadataIssuer string
	// AccessTTL is the access tokens' lifetime; default an hour.
	AccessTTL time.Duration
}

// AS is the authorization server.
type AS struct {
	srv  *httptest.Server
	opts ASOptions

	mu       sync.Mutex
	clients  map[string]*client
	codes    map[string]*grant
	access   map[string]*grant
	refresh  map[string]*grant
	Counts   Counts
	Resource []string // every resource parameter received, in order
}

// Counts are what the AS did.
type Counts struct {
	Registrations, CIMDFetches, Authorizations, Exchanges, Refreshes int
	// RefreshAttempts counts refresh requests, refused ones too.
	RefreshAttempts int
}

type client struct {
	id, secret string
	redirects  []string
	public     bool
}

type grant struct {
	clientID, redirect, challenge, resource, scope string
	expires                                        time.Time
}

// NewAS starts an authorization server on loopback.
func NewAS(o ASOptions) *AS {
	if o.AccessTTL == 0 {
		o.AccessTTL = time.Hour
	}
	a := &AS{opts: o, clients: map[string]*client{}, codes: map[string]*grant{}, access: map[string]*grant{}, refresh: map[string]*grant{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/oauth-authorization-server"+o.Path, a.metadata)
	mux.HandleFunc("GET "+o.Path+"/authorize", a.authorize)
	mux.HandleFunc("POST "+o.Path+"/token", a.token)
	if o.DCR {
		mux.HandleFunc("POST "+o.Path+"/register", a.register)
	}
	a.srv = httptest.NewServer(mux)
	return a
}

// Close stops it.
func (a *AS) Close() { a.srv.Close() }

// Issuer is its issuer identifier.
func (a *AS) Issuer() string { return a.srv.URL + a.opts.Path }

// PreRegister registers a client as a person would by hand: with a
// secret (confidential) or without (public).
func (a *AS) PreRegister(id, secret string, redirects ...string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.clients[id] = &client{id: id, secret: secret, redirects: redirects, public: secret == ""}
}

// Snapshot returns the counts and resources received so far.
func (a *AS) Snapshot() (Counts, []string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.Counts, slices.Clone(a.Resource)
}

// ExpireAccessTokens makes every access token issued so far expired.
func (a *AS) ExpireAccessTokens() {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, g := range a.access {
		g.expires = time.Now().Add(-time.Minute)
	}
}

func (a *AS) metadata(w http.ResponseWriter, r *http.Request) {
	iss := a.Issuer()
	if a.opts.MetadataIssuer != "" {
		iss = a.opts.MetadataIssuer
	}
	m := map[string]any{
		"issuer":                                iss,
		"authorization_endpoint":                a.Issuer() + "/authorize",
		"token_endpoint":                        a.Issuer() + "/token",
		"response_types_supported":              []string{"code"},
		"grant_types_supported":                 []string{"authorization_code", "refresh_token"},
		"code_challenge_methods_supported":      []string{"S256"},
		"token_endpoint_auth_methods_supported": []string{"client_secret_basic", "client_secret_post", "none"},
	}
	if a.opts.DCR {
		m["registration_endpoint"] = a.Issuer() + "/register"
	}
	if a.opts.CIMD {
		m["client_id_metadata_document_supported"] = true
	}
	if a.opts.IssParameter {
		m["authorization_response_iss_parameter_supported"] = true
	}
	writeJSON(w, http.StatusOK, m)
}

// register is RFC 7591 §3.
func (a *AS) register(w http.ResponseWriter, r *http.Request) {
	var req struct {
		RedirectURIs []string `json:"redirect_uris"`
		AuthMethod   string   `json:"token_endpoint_auth_method"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10)).Decode(&req); err != nil || len(req.RedirectURIs) == 0 {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_redirect_uri", "error_description": "redirect_uris is required"})
		return
	}
	c := &client{id: "dcr-" + random(8), redirects: req.RedirectURIs}
	resp := map[string]any{"client_id": c.id, "redirect_uris": c.redirects, "client_id_issued_at": time.Now().Unix()}
	if req.AuthMethod == "none" {
		c.public = true
		resp["token_endpoint_auth_method"] = "none"
	} else {
		c.secret = "dcr-secret-" + random(16)
		resp["client_secret"], resp["client_secret_expires_at"] = c.secret, 0
		resp["token_endpoint_auth_method"] = "client_secret_basic"
	}
	a.mu.Lock()
	a.clients[c.id] = c
	a.Counts.Registrations++
	a.mu.Unlock()
	writeJSON(w, http.StatusCreated, resp)
}

// lookup finds a client, fetching the metadata document of a client_id
// that is an https URL when CIMD is on.
func (a *AS) lookup(id string) *client {
	a.mu.Lock()
	c := a.clients[id]
	a.mu.Unlock()
	if c != nil || !a.opts.CIMD || !strings.HasPrefix(id, "https://") || a.opts.CIMDClient == nil {
		return c
	}
	res, err := a.opts.CIMDClient.Get(id)
	if err != nil {
		return nil
	}
	defer res.Body.Close()
	var doc struct {
		ClientID     string   `json:"client_id"`
		RedirectURIs []string `json:"redirect_uris"`
		AuthMethod   string   `json:"token_endpoint_auth_method"`
	}
	if res.StatusCode != http.StatusOK || json.NewDecoder(res.Body).Decode(&doc) != nil || doc.ClientID != id || doc.AuthMethod != "none" {
		return nil
	}
	a.mu.Lock()
	a.Counts.CIMDFetches++
	a.mu.Unlock()
	return &client{id: id, redirects: doc.RedirectURIs, public: true}
}

// authorize approves at once (there is no person in a test) and redirects
// back with a code, or shows an error page when the redirect cannot be
// trusted (RFC 6749 §4.1.2.1).
func (a *AS) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	c := a.lookup(q.Get("client_id"))
	redirect := q.Get("redirect_uri")
	if c == nil || !slices.Contains(c.redirects, redirect) {
		http.Error(w, "unknown client or redirect_uri", http.StatusBadRequest)
		return
	}
	back, _ := url.Parse(redirect)
	v := url.Values{"state": {q.Get("state")}}
	switch a.opts.Iss {
	case IssRight:
		v.Set("iss", a.Issuer())
	case IssWrong:
		v.Set("iss", "https://evil.example")
	}
	fail := func(code string) {
		v.Set("error", code)
		back.RawQuery = v.Encode()
		http.Redirect(w, r, back.String(), http.StatusFound)
	}
	switch {
	case q.Get("response_type") != "code":
		fail("unsupported_response_type")
		return
	case q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "":
		fail("invalid_request")
		return
	case q.Get("resource") == "":
		fail("invalid_target")
		return
	}
	code := "code-" + random(16)
	a.mu.Lock()
	a.codes[code] = &grant{clientID: c.id, redirect: redirect, challenge: q.Get("code_challenge"), resource: q.Get("resource"), scope: q.Get("scope"), expires: time.Now().Add(time.Minute)}
	a.Counts.Authorizations++
	a.Resource = append(a.Resource, q.Get("resource"))
	a.mu.Unlock()
	v.Set("code", code)
	back.RawQuery = v.Encode()
	http.Redirect(w, r, back.String(), http.StatusFound)
}

// token is RFC 6749 §4.1.3 and §6 with PKCE and resource.
func (a *AS) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		tokenError(w, "invalid_request")
		return
	}
	c := a.authenticate(r)
	if c == nil {
		w.Header().Set("WWW-Authenticate", `Basic realm="token"`)
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_client"})
		return
	}
	f := r.PostForm
	a.mu.Lock()
	defer a.mu.Unlock()
	a.Resource = append(a.Resource, f.Get("resource"))
	var g *grant
	switch f.Get("grant_type") {
	case "authorization_code":
		g = a.codes[f.Get("code")]
		delete(a.codes, f.Get("code"))
		if g == nil || g.clientID != c.id || time.Now().After(g.expires) || g.redirect != f.Get("redirect_uri") ||
			fakekit.S256(f.Get("code_verifier")) != g.challenge {
			tokenError(w, "invalid_grant")
			return
		}
		a.Counts.Exchanges++
	case "refresh_token":
		a.Counts.RefreshAttempts++
		g = a.refresh[f.Get("refresh_token")]
		if g == nil || g.clientID != c.id {
			tokenError(w, "invalid_grant")
			return
		}
		delete(a.refresh, f.Get("refresh_token")) // rotated
		a.Counts.Refreshes++
	default:
		tokenError(w, "unsupported_grant_type")
		return
	}
	if f.Get("resource") != g.resource {
		tokenError(w, "invalid_target")
		return
	}
	at, rt := "at-"+random(16), "rt-"+random(16)
	a.access[at] = &grant{clientID: c.id, resource: g.resource, scope: g.scope, expires: time.Now().Add(a.opts.AccessTTL)}
	a.refresh[rt] = &grant{clientID: c.id, resource: g.resource, scope: g.scope}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token": at, "token_type": "Bearer", "expires_in": int(a.opts.AccessTTL / time.Second),
		"refresh_token": rt, "scope": g.scope,
	})
}

// authenticate checks the client's credentials (RFC 6749 §2.3): Basic or
// in the body for a confidential client, client_id alone for a public one.
func (a *AS) authenticate(r *http.Request) *client {
	id, secret, _ := fakekit.ClientCredentials(r, r.PostForm, true)
	c := a.lookup(id)
	if c == nil || (c.public && secret != "") || (!c.public && secret != c.secret) {
		return nil
	}
	return c
}

// Verify is the token check of the MCP server: the token is one this AS
// issued, for resource, unexpired; it returns its scopes and expiry.
func (a *AS) Verify(token, resource string) (scopes []string, expires time.Time, ok bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	g := a.access[token]
	if g == nil || g.resource != resource {
		return nil, time.Time{}, false
	}
	return strings.Fields(g.scope), g.expires, true
}

func tokenError(w http.ResponseWriter, code string) {
	writeJSON(w, http.StatusBadRequest, map[string]string{"error": code})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func random(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
