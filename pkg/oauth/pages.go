package oauth

import "html/template"

// The callback's pages. They show names from the database (validated at
// `connect add`) and mcpgate's own messages, never the request's input.

const pageHead = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>mcpgate: {{.Title}}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:36em;margin:4em auto;padding:0 1em;color:#222}
h1{font-size:1.4em}.ok{color:#176f2c}.err{color:#a4161a}dl{display:grid;grid-template-columns:auto 1fr;gap:.2em 1em}
dt{color:#555}dd{margin:0;font-weight:600}button{font:inherit;padding:.4em 1.2em;margin-right:.6em}</style></head>
`

var page = template.Must(template.New("page").Parse(pageHead +
	`<body><h1 class="{{.Class}}">{{.Title}}</h1><p>{{.Message}}</p></body></html>
`))

type pageData struct{ Title, Message, Class string }

var confirmPage = template.Must(template.New("confirm").Parse(pageHead +
	`<body><h1>Connect this {{.Provider}} account to mcpgate?</h1>
<p>The {{.Provider}} account you just approved will be stored in mcpgate and used by this mcpgate user's AI clients:</p>
<dl><dt>mcpgate user</dt><dd id="user">{{.User}}</dd>
<dt>connection</dt><dd id="connection">{{.Name}}</dd>
<dt>provider</dt><dd id="provider">{{.Provider}}</dd></dl>
<p>Continue only if you started this yourself with <code>mcpgate connect add</code>. If someone sent you this link, cancel:
the account would become theirs to use.</p>
<form method="post" action="{{.Action}}">
<input type="hidden" name="token" value="{{.Token}}">
<button type="submit" id="connect" name="decision" value="connect">Connect</button>
<button type="submit" id="cancel" name="decision" value="cancel">Cancel</button>
</form>
<p>This page expires at {{.Expires}} UTC.</p></body></html>
`))

type confirmData struct {
	Confirmation
	Title, Expires string
}
