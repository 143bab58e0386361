package oauth_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/mcpgate/mcpgate/pkg/oauth"
	"github.com/mcpgate/mcpgate/pkg/store"
)

// FuzzOAuthCallback sends arbitrary query strings to the callback, as
// serve mounts it and as the --local listener does. Without a pending
// state (which cannot be guessed) every request must be refused with 400
// and one of mcpgate's fixed error pages, byte for byte, so that nothing
// of the request is reflected; nothing is connected, and the listener's
// wait never ends. Seeds are in testdata/fuzz/FuzzOAuthCallback.
func FuzzOAuthCallback(f *testing.F) {
	fx := setup(f)
	ctx := context.Background()
	p, err := fx.flow.Begin(ctx, fx.user, "dropbox", "files", nil, "http://127.0.0.1:1"+oauth.CallbackPath)
	if err != nil {
		f.Fatal(err)
	}
	ended := false
	handlers := map[string]http.Handler{
		"serve": fx.flow.Callback(oauth.CallbackOptions{}),
		"local": fx.flow.Callback(oauth.CallbackOptions{Only: p.StateHash, Done: func(store.Connection, error) { ended = true }}),
	}
	send := func(h http.Handler, rawQuery string) (int, string) {
		req := httptest.NewRequest(http.MethodGet, "http://127.0.0.1:1"+oauth.CallbackPath, nil)
		req.URL.RawQuery = rawQuery
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		b, _ := io.ReadAll(rec.Result().Body)
		return rec.Code, string(b)
	}
	// The only pages a refused request may get.
	pages := map[string]bool{}
	for _, q := range []string{"state=unknown&code=c", "error=access_denied"} {
		_, b := send(handlers["serve"], q)
		pages[b] = true
	}
	_, b := send(handlers["local"], "")
	pages[b] = true

	f.Fuzz(func(t *testing.T, rawQuery string) {
		for name, h := range handlers {
			code, body := send(h, rawQuery)
			if code != http.StatusBadRequest {
				t.Fatalf("%s: %q: status %d, want 400\n%s", name, rawQuery, code, body)
			}
			if !pages[body] {
				t.Fatalf("%s: %q: a page that is not one of the fixed error pages:\n%s", name, rawQuery, body)
			}
		}
		if ended {
			t.Fatalf("%q ended the local listener's wait", rawQuery)
		}
		if _, err := fx.connection("files"); err == nil {
			t.Fatalf("%q connected an account", rawQuery)
		}
	})
}
