package approval

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// signedOut is a SignIn with no browser signed in; link, if set, is its
// sign-in page.
type signedOut struct{ link string }

func (signedOut) SignedInUser(*http.Request) (string, bool) { return "", false }

type signedOutWithLink struct{ signedOut }

func (s signedOutWithLink) SignInURL(back string) (string, bool) {
	if s.link == "" {
		return "", false
	}
	return s.link + "?return=" + back, true
}

// A signed-out browser is offered the SignIn's sign-in page when it has
// one, always the CLI, and never the form; the page's CSP stays as strict.
func TestPageOffersSignInToASignedOutBrowser(t *testing.T) {
	cases := []struct {
		name   string
		signIn SignIn
		want   string // the sign-in link, "" for none
	}{
		{"a sign-in page is offered", signedOutWithLink{signedOut{link: "/signin"}}, `href="/signin?return=/approvals/ap_1"`},
		{"no link where sign-in is not available", signedOutWithLink{}, ""},
		{"no link from a SignIn without a page", signedOut{}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := http.NewServeMux()
			for pat, h := range (&Page{SignIn: c.signIn}).Routes() {
				m.Handle(pat, h)
			}
			w := httptest.NewRecorder()
			m.ServeHTTP(w, httptest.NewRequest("GET", "/approvals/ap_1", nil))
			body := w.Body.String()
			if w.Code != http.StatusUnauthorized || !strings.Contains(body, "mcpgate approve allow ap_1") || strings.Contains(body, `value="allow"`) {
				t.Fatalf("signed-out page: %d\n%s", w.Code, body)
			}
			if got := strings.Contains(body, `id="signin"`); got != (c.want != "") || (c.want != "" && !strings.Contains(body, c.want)) {
				t.Errorf("sign-in link: want %q in\n%s", c.want, body)
			}
			if csp := w.Header().Get("Content-Security-Policy"); !strings.HasPrefix(csp, "default-src 'none'; style-src 'nonce-") || strings.Contains(csp, "script-src") {
				t.Errorf("CSP %q", csp)
			}
		})
	}
}
