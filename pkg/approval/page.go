package approval

import (
	"bytes"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"html/template"
	"log/slog"
	"net/http"
	"strings"

	"github.com/mcpgate/mcpgate/pkg/store"
)

// SignIn tells who is signed in to serve in a browser. SignedInUser
// returns the user id of the request's browser session, and ok false when
// there is none. Implementations are safe for concurrent use.
type SignIn interface {
	SignedInUser(r *http.Request) (userID string, ok bool)
}

// SignInLink is implemented by a SignIn whose browser sign-in is a page
// on serve. SignInURL is the same-origin address of that page, which goes
// back to back (a relative path, "/approvals/<id>") once the browser is
// signed in; ok is false when sign-in is not available there.
type SignInLink interface {
	SignInURL(back string) (url string, ok bool)
}

// Page serves the approval page, <public_url>/approvals/<id>: what the
// call is, its arguments (content fields as hash and length until the
// approver opens them), and an allow/deny form. It needs a signed-in
// browser session of the approval's user; without sign-in it offers the
// SignIn's sign-in page (a SignInLink), if any, and the CLI.
type Page struct {
	Service *Service
	Store   store.Store
	SignIn  SignIn // nil: no browser sign-in; the page points to the CLI
	// Secure marks the CSRF cookie Secure (serve is reached over https).
	Secure bool
	Logger *slog.Logger
}

// csrfCookie holds the form's double-submitted token.
const csrfCookie = "mcpgate_approval_csrf"

// Routes are the page's patterns and handlers.
func (p *Page) Routes() map[string]http.Handler {
	return map[string]http.Handler{
		"GET /approvals/{id}":  http.HandlerFunc(p.show),
		"POST /approvals/{id}": http.HandlerFunc(p.decide),
	}
}

type pageData struct {
	Nonce, Message, ID, CSRF string
	SignInURL                string
	A                        store.Approval
	Args                     string
	Opened, CanOpen, Pending bool
}

func (p *Page) show(w http.ResponseWriter, r *http.Request) {
	a, _, ok := p.approval(w, r)
	if !ok {
		return
	}
	d := pageData{ID: a.ID, A: a, Args: a.Arguments, Pending: a.Status == store.ApprovalPending, CanOpen: len(a.Sealed) > 0}
	if d.Pending && r.URL.Query().Get("open") == "1" && d.CanOpen {
		full, err := p.Service.Open(r.Context(), a)
		if err != nil {
			p.log().Warn("approval page: open arguments", "approval", a.ID, "err", err.Error())
			d.Message = "The full arguments could not be opened."
		} else {
			d.Args, d.Opened = full, true
		}
	}
	if d.Pending {
		// One token per browser, so two approval pages open side by side
		// both keep working.
		tok := ""
		if c, err := r.Cookie(csrfCookie); err == nil && len(c.Value) == 32 {
			tok = c.Value
		} else if tok, err = newToken(); err != nil {
			p.render(w, http.StatusInternalServerError, "message", pageData{Message: "Try again."})
			return
		}
		http.SetCookie(w, &http.Cookie{
			Name: csrfCookie, Value: tok, Path: "/approvals/", HttpOnly: true, Secure: p.Secure,
			SameSite: http.SameSiteStrictMode, MaxAge: 3600,
		})
		d.CSRF = tok
	}
	d.Args = indent(d.Args)
	p.render(w, http.StatusOK, "approval", d)
}

// indent lays JSON out one field a line, for reading; other text as it is.
func indent(s string) string {
	var b bytes.Buffer
	if json.Indent(&b, []byte(s), "", "  ") != nil {
		return s
	}
	return b.String()
}

func (p *Page) decide(w http.ResponseWriter, r *http.Request) {
	a, userID, ok := p.approval(w, r)
	if !ok {
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		p.render(w, http.StatusBadRequest, "message", pageData{Message: "The form could not be read."})
		return
	}
	c, err := r.Cookie(csrfCookie)
	form := r.PostForm.Get("csrf")
	if err != nil || form == "" || subtle.ConstantTimeCompare([]byte(c.Value), []byte(form)) != 1 {
		p.render(w, http.StatusForbidden, "message", pageData{Message: "This form has expired: open the approval page again."})
		return
	}
	var allow bool
	switch r.PostForm.Get("decision") {
	case "allow":
		allow = true
	case "deny":
	default:
		p.render(w, http.StatusBadRequest, "message", pageData{Message: "Choose allow or deny."})
		return
	}
	us := p.Store.User(userID)
	d, err := p.Service.Decide(r.Context(), us, a.ID, allow, approverName(r, p.Store, userID), r.PostForm.Get("reason"))
	if errors.Is(err, store.ErrConflict) {
		p.render(w, http.StatusConflict, "message", pageData{Message: "This call was decided already, or its approval expired."})
		return
	}
	if err != nil {
		p.log().Warn("approval page: decide", "approval", a.ID, "err", err.Error())
		p.render(w, http.StatusInternalServerError, "message", pageData{Message: "The decision could not be stored; try again."})
		return
	}
	p.render(w, http.StatusOK, "approval", pageData{ID: d.ID, A: d, Args: d.Arguments, Message: "Decided: " + d.Status + "."})
}

// approval reads the request's approval as the signed-in user's, or
// answers the request itself.
func (p *Page) approval(w http.ResponseWriter, r *http.Request) (store.Approval, string, bool) {
	id := r.PathValue("id")
	if p.SignIn == nil {
		p.render(w, http.StatusOK, "cli", pageData{ID: id})
		return store.Approval{}, "", false
	}
	userID, ok := p.SignIn.SignedInUser(r)
	if !ok {
		d := pageData{ID: id, Message: "Sign in to mcpgate in this browser to decide here."}
		if l, ok := p.SignIn.(SignInLink); ok {
			d.SignInURL, _ = l.SignInURL("/approvals/" + id)
		}
		p.render(w, http.StatusUnauthorized, "cli", d)
		return store.Approval{}, "", false
	}
	a, err := p.Store.User(userID).Approval(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		p.render(w, http.StatusNotFound, "message", pageData{Message: "There is no such approval of yours."})
		return store.Approval{}, "", false
	}
	if err != nil {
		p.log().Warn("approval page: read approval", "err", err.Error())
		p.render(w, http.StatusInternalServerError, "message", pageData{Message: "The approval could not be read; try again."})
		return store.Approval{}, "", false
	}
	return a, userID, true
}

// approverName is the signed-in user's name, as the audit log records the
// approver; its id if the name cannot be read.
func approverName(r *http.Request, st store.Store, userID string) string {
	users, err := st.Privileged().ListUsers(r.Context())
	if err == nil {
		for _, u := range users {
			if u.ID == userID {
				return u.Name
			}
		}
	}
	return userID
}

func (p *Page) log() *slog.Logger {
	if p.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return p.Logger
}

// The page is server-rendered with no script and no external asset; its
// one stylesheet is inline under a per-response nonce.
var pageTemplates = template.Must(template.New("").Funcs(template.FuncMap{"upper": strings.ToUpper}).Parse(`
{{define "head"}}<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>mcpgate approval</title><style nonce="{{.Nonce}}">
body{font-family:system-ui,sans-serif;max-width:42rem;margin:3rem auto;padding:0 1rem;color:#222}
pre{background:#f4f4f4;padding:.6rem;white-space:pre-wrap;word-break:break-all}
dt{font-weight:bold}button{font-size:1rem;padding:.4rem 1rem;margin-right:.5rem}
</style></head><body><h1>mcpgate approval</h1>{{if .Message}}<p role="status">{{.Message}}</p>{{end}}{{end}}
{{define "message"}}{{template "head" .}}</body></html>{{end}}
{{define "cli"}}{{template "head" .}}
{{if .SignInURL}}<p><a id="signin" href="{{.SignInURL}}">Sign in with a passkey</a> to decide here.</p>{{end}}
<p>To decide on this call, run on the server:</p>
<pre>mcpgate approve allow {{.ID}}</pre><p>or</p><pre>mcpgate approve deny {{.ID}} --reason "..."</pre>
</body></html>{{end}}
{{define "approval"}}{{template "head" .}}
<dl><dt>Approval</dt><dd>{{.A.ID}}</dd><dt>Status</dt><dd>{{.A.Status}}</dd>
<dt>Tool</dt><dd>{{.A.Tool}}</dd><dt>Asked by policy entry</dt><dd>{{.A.Rule}}</dd>
<dt>Key</dt><dd>{{.A.KeyID}}</dd><dt>Expires</dt><dd>{{.A.ExpiresAt.Format "2006-01-02 15:04:05 UTC"}}</dd>
<dt>Arguments SHA-256</dt><dd>{{.A.ArgsHash}}</dd></dl>
<h2>Arguments{{if .Opened}} (opened){{end}}</h2><pre>{{.Args}}</pre>
{{if and .Pending .CanOpen (not .Opened)}}<p><a href="?open=1">Open the content fields</a> (shown as hash and length above).</p>{{end}}
{{if .Pending}}<form method="post" action="{{.A.ID}}">
<input type="hidden" name="csrf" value="{{.CSRF}}">
<p><label>Reason (optional) <input name="reason" maxlength="500"></label></p>
<button type="submit" name="decision" value="allow">Allow</button>
<button type="submit" name="decision" value="deny">Deny</button>
</form>{{end}}
</body></html>{{end}}
`))

func (p *Page) render(w http.ResponseWriter, status int, name string, d pageData) {
	nonce, err := newToken()
	if err != nil {
		http.Error(w, "try again", http.StatusInternalServerError)
		return
	}
	d.Nonce = nonce
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Frame-Options", "DENY")
	// same-origin: with no-referrer a browser sends the form with
	// "Origin: null", which serve's origin check refuses.
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'nonce-"+nonce+"'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
	w.WriteHeader(status)
	if err := pageTemplates.ExecuteTemplate(w, name, d); err != nil {
		p.log().Warn("approval page: render", "page", name, "err", err.Error())
	}
}

func newToken() (string, error) {
	var b [24]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b[:]), nil
}
