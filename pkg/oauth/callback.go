package oauth

import (
	"context"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/mcpgate/mcpgate/pkg/store"
)

// CallbackPath is where providers redirect the browser to.
const CallbackPath = "/oauth/callback"

// maxFormBytes bounds the confirmation form's body: a token and a choice.
const maxFormBytes = 4 << 10

// CallbackOptions configure Callback.
type CallbackOptions struct {
	// Done, if set, is told how the authorization ended: connected, or
	// the error that ended it. Requests that are not an authorization's
	// (an unknown or missing state or token) end nothing and are not
	// reported.
	Done func(store.Connection, error)
	// Only, if set, is the StateHash of the one authorization this
	// handler completes (the CLI's loopback listener): any other state,
	// and any token but the one it issued for that state, is refused
	// without touching the store.
	Only string
}

// Callback handles the provider's redirect (GET: show what it completes
// and ask the person to confirm) and the confirmation form (POST: exchange
// the code, or cancel). Its pages reflect nothing from the request.
func (f *Flow) Callback(opts CallbackOptions) http.Handler {
	cb := &callback{f: f, opts: opts}
	return http.HandlerFunc(cb.serve)
}

type callback struct {
	f    *Flow
	opts CallbackOptions

	mu      sync.Mutex
	confirm string // with Only: the ConfirmHash of the token it issued
}

func (cb *callback) serve(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Content-Type", "text/html; charset=utf-8")
	ctx, cancel := context.WithTimeout(r.Context(), 60*time.Second)
	defer cancel()
	switch r.Method {
	case http.MethodGet:
		cb.redirect(ctx, w, r)
	case http.MethodPost:
		cb.form(ctx, w, r)
	default:
		h.Set("Allow", "GET, POST")
		showError(w, http.StatusMethodNotAllowed, errors.New("This address only takes the provider's redirect."))
	}
}

// redirect handles the provider's redirect: ?state=S&code=C, or
// ?state=S&error=E when the person declined.
func (cb *callback) redirect(ctx context.Context, w http.ResponseWriter, r *http.Request) {
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil || len(q["state"]) > 1 || len(q["code"]) > 1 || len(q["error"]) > 1 || len(q["iss"]) > 1 {
		showError(w, http.StatusBadRequest, ErrUnknownState)
		return
	}
	state := q.Get("state")
	if cb.opts.Only != "" && (state == "" || StateHash(state) != cb.opts.Only) {
		showError(w, http.StatusBadRequest, ErrNotThisFlow)
		return
	}
	if q.Get("error") != "" {
		// Use the state up so the link cannot be reused.
		if state != "" {
			if _, err := cb.f.take(ctx, StateHash(state), state); err != nil {
				showError(w, statusFor(err), err)
				return
			}
		}
		cb.done(store.Connection{}, ErrDenied)
		showError(w, http.StatusBadRequest, ErrDenied)
		return
	}
	c, err := cb.f.HoldFrom(ctx, state, q.Get("code"), q.Get("iss"))
	if err != nil {
		if cb.opts.Only != "" {
			cb.done(store.Connection{}, err)
		}
		showError(w, statusFor(err), err)
		return
	}
	cb.mu.Lock()
	cb.confirm = c.hash
	cb.mu.Unlock()
	// The form's POST must carry this page's origin (the gateway checks
	// it), which a no-referrer page would send as "null".
	w.Header().Set("Referrer-Policy", "same-origin")
	confirmPage.Execute(w, confirmData{c, "confirm the connection", c.ExpiresAt.UTC().Format("15:04:05")})
}

// form handles the confirmation page's POST: token=T&decision=connect|cancel.
func (cb *callback) form(ctx context.Context, w http.ResponseWriter, r *http.Request) {
	token, decision, err := parseForm(w, r)
	if err != nil {
		showError(w, http.StatusBadRequest, err)
		return
	}
	if cb.opts.Only != "" {
		cb.mu.Lock()
		want := cb.confirm
		cb.mu.Unlock()
		if want == "" || ConfirmHash(token) != want {
			showError(w, http.StatusBadRequest, ErrNotThisFlow)
			return
		}
	}
	if decision == "cancel" {
		if err := cb.f.Cancel(ctx, token); err != nil {
			showError(w, statusFor(err), err)
			return
		}
		cb.done(store.Connection{}, ErrCancelled)
		page.Execute(w, pageData{"Not connected", ErrCancelled.Error(), "err"})
		return
	}
	c, err := cb.f.Confirm(ctx, token)
	if err != nil && errors.Is(err, ErrUnknownState) {
		showError(w, http.StatusBadRequest, err)
		return
	}
	cb.done(c, err)
	if err != nil {
		showError(w, statusFor(err), err)
		return
	}
	page.Execute(w, pageData{"Connected", "Connected " + c.Provider + " as " + c.Account + " (connection \u201c" + c.Name + "\u201d). You can close this tab.", "ok"})
}

// parseForm reads the confirmation form strictly: a small urlencoded body
// with exactly a token and a decision.
func parseForm(w http.ResponseWriter, r *http.Request) (token, decision string, err error) {
	bad := errors.New("This address only takes the confirmation form of an authorization: start again with `mcpgate connect add`.")
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/x-www-form-urlencoded" {
		return "", "", bad
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxFormBytes))
	if err != nil {
		return "", "", bad
	}
	v, err := url.ParseQuery(string(body))
	if err != nil || len(v) != 2 || len(v["token"]) != 1 || len(v["decision"]) != 1 {
		return "", "", bad
	}
	token, decision = v.Get("token"), v.Get("decision")
	if token == "" || (decision != "connect" && decision != "cancel") {
		return "", "", bad
	}
	return token, decision, nil
}

func (cb *callback) done(c store.Connection, err error) {
	if cb.opts.Done != nil {
		cb.opts.Done(c, err)
	}
}

// ErrNotThisFlow is the loopback listener's answer to anything but its
// own authorization.
var ErrNotThisFlow = errors.New("this is not the authorization this listener waits for: open the URL that `mcpgate connect add --local` printed")

func showError(w http.ResponseWriter, status int, err error) {
	w.WriteHeader(status)
	page.Execute(w, pageData{"Not connected", userMessage(err), "err"})
}

func statusFor(err error) int {
	switch {
	case errors.Is(err, ErrUnknownState), errors.Is(err, ErrExpiredState), errors.Is(err, ErrDenied),
		errors.Is(err, ErrCancelled), errors.Is(err, ErrNotThisFlow), errors.Is(err, ErrWrongIssuer):
		return http.StatusBadRequest
	}
	return http.StatusBadGateway
}

// userMessage is what the browser page says: the sentinel errors as they
// are, anything else as a sentence without internals.
func userMessage(err error) string {
	for _, e := range []error{ErrUnknownState, ErrExpiredState, ErrDenied, ErrCancelled, ErrNotThisFlow, ErrWrongIssuer} {
		if errors.Is(err, e) {
			return e.Error()
		}
	}
	return "The provider's answer could not be used: " + err.Error()
}
