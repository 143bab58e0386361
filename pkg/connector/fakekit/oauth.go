package fakekit

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"slices"
	"sync/atomic"
)

// S256 is the PKCE code challenge of verifier (RFC 7636, method S256),
// which the fakes' token endpoints compare with the one sent to authorize.
func S256(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// RandomString returns n random letters and digits, for the codes and
// tokens a fake mints: unguessable, and safe in URLs and headers.
func RandomString(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alnum[int(b[i])%len(alnum)]
	}
	return string(b)
}

// ClientCredentials are the client id and secret of a token request
// (RFC 6749 section 2.3.1): from HTTP Basic when the request has it, else
// client_id and client_secret in form. decode unescapes Basic's values,
// which the RFC says are form-encoded, as Google does; GitHub, Slack and
// Dropbox compare them as sent. basic says which way they came.
func ClientCredentials(r *http.Request, form url.Values, decode bool) (id, secret string, basic bool) {
	id, secret, basic = r.BasicAuth()
	switch {
	case !basic:
		id, secret = form.Get("client_id"), form.Get("client_secret")
	case decode:
		id, _ = url.QueryUnescape(id)
		secret, _ = url.QueryUnescape(secret)
	}
	return id, secret, basic
}

// RedirectAllowed reports whether uri may receive an authorization
// response: an http(s) URI without a fragment that is one of registered,
// or any such URI when nothing is registered.
func RedirectAllowed(uri string, registered []string) bool {
	u, err := url.Parse(uri)
	if err != nil || u.Fragment != "" || (u.Scheme != "https" && u.Scheme != "http") {
		return false
	}
	return len(registered) == 0 || slices.Contains(registered, uri)
}

// RedirectBack sends the browser to redirect (302) with params added to
// the query it already has: the authorization response of RFC 6749
// section 4.1.2.
func RedirectBack(w http.ResponseWriter, r *http.Request, redirect string, params url.Values) {
	back, _ := url.Parse(redirect)
	v := back.Query()
	for k, vs := range params {
		v[k] = vs
	}
	back.RawQuery = v.Encode()
	http.Redirect(w, r, back.String(), http.StatusFound)
}

// ErrorPage answers an authorize request that cannot be sent back (an
// unknown client, an unregistered redirect URI) with an HTML page: 400,
// heading, and msg escaped.
func ErrorPage(w http.ResponseWriter, heading, msg string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusBadRequest)
	fmt.Fprintf(w, "<html><body><h1>%s</h1><p>%s</p></body></html>", html.EscapeString(heading), html.EscapeString(msg))
}

// Consent is the authorize step's person: embedded in a fake, DenyConsent
// makes them click Cancel. It is safe for concurrent use.
type Consent struct{ deny atomic.Bool }

// DenyConsent makes the authorize step redirect with error=access_denied,
// as when the person clicks Cancel.
func (c *Consent) DenyConsent(deny bool) { c.deny.Store(deny) }

// Denied reports whether the person refuses.
func (c *Consent) Denied() bool { return c.deny.Load() }
