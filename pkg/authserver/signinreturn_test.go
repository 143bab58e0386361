package authserver

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// A sign-in started from an approval page goes back to it; any other
// return target (another site, a protocol-relative or backslash address,
// another of serve's pages) is ignored and the sign-in ends on the
// session page.
func TestPasskeySignInReturnsOnlyToAnApprovalPage(t *testing.T) {
	cases := []struct{ name, ret, want string }{
		{"an approval page", "/approvals/ap_0123456789abcdef0123456789abcdef", "/approvals/ap_0123456789abcdef0123456789abcdef"},
		{"no return target", "", SessionPath},
		{"an absolute address", "https://evil.example/approvals/ap_1", SessionPath},
		{"a protocol-relative address", "//evil.example/approvals/ap_1", SessionPath},
		{"a backslash address", "/\\evil.example/approvals/ap_1", SessionPath},
		{"a path that climbs out", "/approvals/../oauth/token", SessionPath},
		{"another page of serve", "/oauth/session", SessionPath},
		{"an approval path with a query", "/approvals/ap_1?x=//evil.example", SessionPath},
		{"an approval path with a newline", "/approvals/ap_1\n", SessionPath},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, k := passkeyFixture(t)
			h := mux(s)
			body, _ := json.Marshal(map[string]string{"return": c.ret})
			ch, ck := beginWith(t, h, string(body))
			w := finish(h, ck, k.answer(assertion{origin: "https://gw.example", challenge: ch, rpID: "gw.example", counter: 2}), "https://gw.example")
			var out struct{ Next string }
			if w.Code != http.StatusOK || json.Unmarshal(w.Body.Bytes(), &out) != nil {
				t.Fatalf("finish: %d %s", w.Code, w.Body)
			}
			if out.Next != c.want {
				t.Errorf("next = %q, want %q", out.Next, c.want)
			}
			u, ok := s.SignInURL(c.ret)
			if wantOK := c.want != SessionPath; ok != wantOK {
				t.Errorf("SignInURL(%q) = %q, %v; want ok %v", c.ret, u, ok, wantOK)
			}
		})
	}
}

func TestPasskeySignInRefusesAnUnreadableBegin(t *testing.T) {
	s, _ := passkeyFixture(t)
	for _, body := range []string{"", "[]", `{"return": 1}`, `{"next": "/approvals/ap_1"}`} {
		w := postBegin(mux(s), body)
		if w.Code != http.StatusBadRequest {
			t.Errorf("begin with %q: %d, want 400", body, w.Code)
		}
	}
}

func postBegin(h http.Handler, body string) *httptest.ResponseRecorder {
	req := httptest.NewRequest("POST", PasskeySignInPath+"/begin", strings.NewReader(body))
	req.Header.Set("Origin", "https://gw.example")
	req.Header.Set("Content-Type", "application/json")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}
