package authserver

import (
	"crypto/rand"
	_ "embed"
	"encoding/base64"
	"html/template"
	"net/http"
	"net/url"

	"github.com/mcpgate/mcpgate/pkg/store"
)

// The pages are server-rendered with no external asset; the one
// stylesheet is inline under a per-response nonce, and the passkey pages'
// one script is a same-origin file (PasskeyScriptPath), never inline.
var pages = template.Must(template.New("").Parse(`
{{define "head"}}<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
{{if .Refresh}}<meta http-equiv="refresh" content="3">{{end}}
<title>mcpgate</title><style nonce="{{.Nonce}}">
body{font-family:system-ui,sans-serif;max-width:34rem;margin:3rem auto;padding:0 1rem;color:#222}
code.approve{font-size:1.6rem;letter-spacing:.1em;background:#eee;padding:.3rem .6rem}
.warn{background:#fff3cd;border:1px solid #e0c060;padding:.5rem}
.conn{margin:.2rem 0 .2rem 1.5rem}
button{font-size:1rem;padding:.4rem 1rem;margin-right:.5rem}
</style></head><body><h1>mcpgate</h1>{{end}}
{{define "error"}}{{template "head" .}}<p role="alert">{{.Message}}</p></body></html>{{end}}
{{define "wait"}}{{template "head" .}}
<p>An application asks to use this mcpgate. To let it continue, run this on the server:</p>
<p><code>mcpgate oauth approve</code> <code class="approve">{{.Code}}</code></p>
<p>This page goes on by itself once that is done. The code works once, for ten minutes.</p>
{{if .Passkeys}}<p>Or, if you have registered a passkey: <a id="passkey" href="passkey/signin">Sign in with a passkey</a></p>{{end}}</body></html>{{end}}
{{define "enrol"}}{{template "head" .}}
<p>Register a passkey for signing in to this mcpgate. Your browser or device will ask you to create one.</p>
<p><button type="button" id="enrol">Register a passkey</button></p>
<p id="status" role="status"></p>
<script src="/oauth/passkey.js"></script></body></html>{{end}}
{{define "signin"}}{{template "head" .}}
<p>Sign in to mcpgate with a passkey you registered with <code>mcpgate user passkey add</code>.</p>
<p><button type="button" id="signin">Sign in with a passkey</button></p>
<p id="status" role="status"></p>
<script src="/oauth/passkey.js"></script></body></html>{{end}}
{{define "consent"}}{{template "head" .}}
<p><strong>{{.ClientName}}</strong> asks to use mcpgate as you.</p>
<p>It will send you back to <strong>{{.RedirectHost}}</strong> (<code>{{.RedirectURI}}</code>).</p>
{{if .SelfRegistered}}<p class="warn">This application registered itself: mcpgate cannot vouch for its name.</p>{{end}}
{{if .HostDiffers}}<p class="warn">The address it sends you back to is not the one it is identified by ({{.ClientHost}}).</p>{{end}}
<p>It asks for: <strong>{{.Resource}}</strong>{{if not .AllConnections}} (that connection only){{end}}, under your policy.</p>
<form method="post" action="consent">
<input type="hidden" name="csrf" value="{{.CSRF}}">
{{if .AllConnections}}<fieldset><legend>Connections it may use</legend>
<p><label><input type="radio" name="connections" value="all" checked> all your connections, and those you add later</label></p>
<p><label><input type="radio" name="connections" value="chosen"> only these:</label></p>
{{range .Connections}}<p class="conn"><label><input type="checkbox" name="connection" value="{{.Name}}"> {{.Name}} <small>({{.Provider}})</small></label></p>
{{else}}<p>You have no connections yet.</p>{{end}}</fieldset>{{end}}
<p><label><input type="checkbox" name="read_only"> read-only (only tools that change nothing)</label></p>
<button type="submit" name="decision" value="allow">Allow</button>
<button type="submit" name="decision" value="deny">Deny</button>
</form></body></html>{{end}}
`))

type pageData struct {
	Nonce, Message, Code                        string
	Refresh, Passkeys                           bool
	ClientName, RedirectHost, ClientHost, CSRF  string
	RedirectURI, Resource                       string
	SelfRegistered, HostDiffers, AllConnections bool
	Connections                                 []offeredConnection // at consent for /mcp
}

// offeredConnection is what the consent page shows of a connection.
type offeredConnection struct{ Name, Provider string }

func (s *Server) render(w http.ResponseWriter, status int, name string, d pageData, formAction string) {
	script := name == "enrol" || name == "signin"
	var nb [16]byte
	_, _ = rand.Read(nb[:])
	d.Nonce = base64.StdEncoding.EncodeToString(nb[:])
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Frame-Options", "DENY")
	// same-origin, not no-referrer: with no-referrer a browser sends the
	// consent form with "Origin: null", which the gateway's origin check
	// refuses; other origins still get no referrer.
	h.Set("Referrer-Policy", "same-origin")
	csp := "default-src 'none'; style-src 'nonce-" + d.Nonce + "'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
	if script {
		csp = "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'nonce-" + d.Nonce + "'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
	}
	if formAction != "" {
		csp += " " + formAction // the consent's redirect back to the client follows the form
	}
	h.Set("Content-Security-Policy", csp)
	w.WriteHeader(status)
	if err := pages.ExecuteTemplate(w, name, d); err != nil {
		s.log.Warn("authorization server: render page", "page", name, "err", err.Error())
	}
}

func (s *Server) errorPage(w http.ResponseWriter, status int, msg string) {
	s.render(w, status, "error", pageData{Message: msg}, "")
}

func (s *Server) waitPage(w http.ResponseWriter, code string) {
	s.render(w, http.StatusOK, "wait", pageData{Code: code, Refresh: true, Passkeys: s.rp != nil}, "")
}

func (s *Server) consentPage(w http.ResponseWriter, c store.OAuthClient, req store.OAuthRequest, csrf string, conns []store.Connection) {
	ru, _ := url.Parse(req.RedirectURI)
	d := pageData{
		ClientName: c.Name, RedirectHost: ru.Host, RedirectURI: req.RedirectURI, CSRF: csrf, Resource: s.Resource(req.Resource),
		SelfRegistered: c.Kind == KindDynamic, AllConnections: req.Resource == "/mcp",
	}
	if d.AllConnections {
		for _, cn := range conns {
			d.Connections = append(d.Connections, offeredConnection{cn.Name, cn.Provider})
		}
	}
	if cu, err := url.Parse(c.ID); err == nil && cu.Scheme == "https" && cu.Host != ru.Host {
		d.ClientHost, d.HostDiffers = cu.Host, true
	}
	s.render(w, http.StatusOK, "consent", d, ru.Scheme+"://"+ru.Host)
}

//go:embed static/passkey.js
var passkeyScript []byte

// script serves the passkey pages' script.
func (s *Server) script(w http.ResponseWriter, _ *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "text/javascript; charset=utf-8")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
	_, _ = w.Write(passkeyScript)
}
