package oauth

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/mcpgate/mcpgate/pkg/mcpauth"
	"github.com/mcpgate/mcpgate/pkg/secret"
	"github.com/mcpgate/mcpgate/pkg/store"
)

// StepUpError is an MCP server's 403 insufficient_scope: the connection's
// token lacks a scope the call needs, and only the person can grant it.
type StepUpError struct {
	Connection string
	URL        string
	Scope      string // what the server asks for, "" if it did not say
}

func (e *StepUpError) Error() string {
	scopes := ""
	if e.Scope != "" {
		scopes = " --scopes " + strconv.Quote(e.Scope)
	}
	return fmt.Sprintf("the MCP server of connection %q needs more permission than was granted (insufficient_scope%s): "+
		"authorise it again with `mcpgate connect add mcp --name %s --url %s%s`",
		e.Connection, scopeNote(e.Scope), e.Connection, e.URL, scopes)
}

func scopeNote(s string) string {
	if s == "" {
		return ""
	}
	return ", it asks for " + strconv.Quote(s)
}

// Transport returns a RoundTripper for requests to the MCP server of the
// OAuth connection c, whose opened credential is cred: it sends a fresh
// access token (refreshed single-flight and stored sealed, as for every
// OAuth connection), drops any Authorization the request had, and after a
// 401 refreshes once and sends the request again if its body can be
// replayed. A 403 insufficient_scope becomes a *StepUpError. Every error
// and header it returns is scrubbed of the tokens.
func (t *Tokens) Transport(c store.Connection, cred secret.Value, base http.RoundTripper) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport
	}
	return &upstreamTransport{t: t, c: c, cred: cred, base: base}
}

type upstreamTransport struct {
	t    *Tokens
	c    store.Connection
	cred secret.Value
	base http.RoundTripper
}

func (u *upstreamTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	tok, err := u.t.Access(req.Context(), u.c, u.cred, false)
	if err != nil {
		return nil, u.fail(req, err)
	}
	res, err := u.send(req, tok)
	if err != nil || res.StatusCode != http.StatusUnauthorized || (req.Body != nil && req.GetBody == nil) {
		return u.check(res, err)
	}
	// The token was refused before its expiry: refresh once and retry.
	drain(res)
	if tok, err = u.t.Access(req.Context(), u.c, u.cred, true); err != nil {
		return nil, u.fail(req, err)
	}
	again := req.Clone(req.Context())
	if req.GetBody != nil {
		if again.Body, err = req.GetBody(); err != nil {
			return nil, u.fail(req, err)
		}
	}
	return u.check(u.send(again, tok))
}

func (u *upstreamTransport) send(req *http.Request, tok secret.Value) (*http.Response, error) {
	r := req.Clone(req.Context())
	r.Header.Set("Authorization", "Bearer "+tok.Reveal())
	res, err := u.base.RoundTrip(r)
	if err != nil {
		return nil, secret.NewRedactor(tok).Scrub(err)
	}
	return res, nil
}

// check turns a 403 insufficient_scope into a StepUpError.
func (u *upstreamTransport) check(res *http.Response, err error) (*http.Response, error) {
	if err != nil || res.StatusCode != http.StatusForbidden {
		return res, err
	}
	ch, ok := mcpauth.ParseChallenge(res.Header)
	// RFC 6750 §3.1 says error="insufficient_scope"; the go-sdk's
	// middleware names only the scope it wants.
	if !ok || (ch.Error != "insufficient_scope" && (ch.Error != "" || ch.Scope == "")) {
		return res, nil
	}
	drain(res)
	return nil, &StepUpError{Connection: u.c.Name, URL: u.c.APIURL, Scope: ch.Scope}
}

func (u *upstreamTransport) fail(req *http.Request, err error) error {
	if req.Body != nil {
		req.Body.Close()
	}
	if errors.Is(err, ErrNeedsReauth) {
		return fmt.Errorf("connection %q: %w: authorise it again with `mcpgate connect add mcp --name %s --url %s`", u.c.Name, err, u.c.Name, u.c.APIURL)
	}
	return err
}

func drain(res *http.Response) {
	io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
	res.Body.Close()
}
