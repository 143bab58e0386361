package oauth

import (
	"context"
	"errors"
	"html/template"
	"net/http"
	"time"

	"github.com/mcpgate/mcpgate/pkg/store"
)

// CallbackPath is where providers redirect the browser to.
const CallbackPath = "/oauth/callback"

var page = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>mcpgate: {{.Title}}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:36em;margin:4em auto;padding:0 1em;color:#222}
h1{font-size:1.4em}.ok{color:#176f2c}.err{color:#a4161a}</style></head>
<body><h1 class="{{.Class}}">{{.Title}}</h1><p>{{.Message}}</p></body></html>
`))

type pageData struct{ Title, Message, Class string }

// Callback handles the provider's redirect. done, if not nil, is told
// the outcome (the CLI's loopback listener waits on it).
func (f *Flow) Callback(done func(store.Connection, error)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
		h.Set("Cache-Control", "no-store")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Content-Type", "text/html; charset=utf-8")
		if r.Method != http.MethodGet {
			w.WriteHeader(http.StatusMethodNotAllowed)
			page.Execute(w, pageData{"Not allowed", "This address only takes the provider's redirect.", "err"})
			return
		}
		q := r.URL.Query()
		ctx, cancel := context.WithTimeout(r.Context(), 60*time.Second)
		defer cancel()
		var c store.Connection
		var err error
		if q.Get("error") != "" {
			// Consume the state so the link cannot be reused.
			if st := q.Get("state"); st != "" {
				f.Store.Privileged().TakeOAuthState(ctx, StateHash(st))
			}
			err = ErrDenied
		} else {
			c, err = f.Complete(ctx, q.Get("state"), q.Get("code"))
		}
		if done != nil {
			done(c, err)
		}
		if err != nil {
			w.WriteHeader(statusFor(err))
			page.Execute(w, pageData{"Not connected", userMessage(err), "err"})
			return
		}
		page.Execute(w, pageData{"Connected", "Connected " + c.Provider + " as " + c.Account + " (connection \u201c" + c.Name + "\u201d). You can close this tab.", "ok"})
	})
}

func statusFor(err error) int {
	switch {
	case errors.Is(err, ErrUnknownState), errors.Is(err, ErrExpiredState), errors.Is(err, ErrDenied):
		return http.StatusBadRequest
	}
	return http.StatusBadGateway
}

// userMessage is what the browser page says: the sentinel errors as they
// are, anything else as a sentence without internals.
func userMessage(err error) string {
	for _, e := range []error{ErrUnknownState, ErrExpiredState, ErrDenied} {
		if errors.Is(err, e) {
			return e.Error()
		}
	}
	return "The provider's answer could not be used: " + err.Error()
}
