package authserver

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-webauthn/webauthn/protocol/webauthncbor"

	"github.com/mcpgate/mcpgate/pkg/config"
	"github.com/mcpgate/mcpgate/pkg/store"
	_ "github.com/mcpgate/mcpgate/pkg/store/sqlite"
)

// softKey is a passkey held in the test: a P-256 key and a credential id,
// answering sign-ins as an authenticator would, with what it signs
// (origin, challenge, RP ID, counter) under the test's control.
type softKey struct {
	key    *ecdsa.PrivateKey
	credID []byte
	user   string
}

func (k softKey) cose() []byte {
	pub := k.key.PublicKey
	x, y := make([]byte, 32), make([]byte, 32)
	pub.X.FillBytes(x)
	pub.Y.FillBytes(y)
	b, err := webauthncbor.Marshal(map[int]any{1: 2, 3: -7, -1: 1, -2: x, -3: y})
	if err != nil {
		panic(err)
	}
	return b
}

type assertion struct {
	origin, challenge, rpID string
	counter                 uint32
}

func (k softKey) answer(a assertion) []byte {
	cd, _ := json.Marshal(map[string]any{"type": "webauthn.get", "challenge": a.challenge, "origin": a.origin, "crossOrigin": false})
	rp := sha256.Sum256([]byte(a.rpID))
	ad := append(rp[:], 0x05) // user present, user verified
	ad = binary.BigEndian.AppendUint32(ad, a.counter)
	h := sha256.Sum256(cd)
	digest := sha256.Sum256(append(append([]byte{}, ad...), h[:]...))
	sig, err := ecdsa.SignASN1(rand.Reader, k.key, digest[:])
	if err != nil {
		panic(err)
	}
	e := base64.RawURLEncoding.EncodeToString
	b, _ := json.Marshal(map[string]any{
		"id": e(k.credID), "rawId": e(k.credID), "type": "public-key", "clientExtensionResults": map[string]any{},
		"response": map[string]any{"clientDataJSON": e(cd), "authenticatorData": e(ad), "signature": e(sig), "userHandle": e([]byte(k.user))},
	})
	return b
}

func passkeyFixture(t *testing.T) (*Server, softKey) {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, "sqlite://"+filepath.Join(t.TempDir(), "db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if err := st.Privileged().CreateUser(ctx, store.User{ID: "u1", Name: "owner"}, store.DEK{Version: 1, KEKID: "k", Wrapped: []byte{1}}); err != nil {
		t.Fatal(err)
	}
	cfg := &config.Config{PublicURL: "https://gw.example", OAuthServer: config.OAuthServer{Enabled: true, AccessTTL: time.Hour, RefreshTTL: 48 * time.Hour, SessionTTL: time.Hour}}
	s := New(Options{Config: cfg, Store: st})
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	k := softKey{key: key, credID: []byte("soft-credential-1"), user: "u1"}
	now := time.Now()
	link, err := NewEnrolment(ctx, st, s.issuer, "u1", now)
	if err != nil {
		t.Fatal(err)
	}
	_, tok, _ := strings.Cut(link.Reveal(), "#u1.")
	p := store.Passkey{ID: "pk_1", UserID: "u1", CredentialID: k.credID, PublicKey: k.cose(), Flags: 0x05, SignCount: 1, CreatedAt: now}
	if err := st.User("u1").EnrolPasskey(ctx, hashOf(tok), p, now); err != nil {
		t.Fatal(err)
	}
	return s, k
}

// begin starts a sign-in as the page's script does and returns the
// challenge and the ceremony cookie.
func begin(t *testing.T, h http.Handler) (string, *http.Cookie) {
	t.Helper()
	return beginWith(t, h, "{}")
}

// beginWith starts a sign-in with the request body body.
func beginWith(t *testing.T, h http.Handler, body string) (string, *http.Cookie) {
	t.Helper()
	req := httptest.NewRequest("POST", PasskeySignInPath+"/begin", strings.NewReader(body))
	req.Header.Set("Origin", "https://gw.example")
	req.Header.Set("Content-Type", "application/json")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	var out struct {
		PublicKey struct {
			Challenge string `json:"challenge"`
			RPID      string `json:"rpId"`
		} `json:"publicKey"`
	}
	if w.Code != http.StatusOK || json.Unmarshal(w.Body.Bytes(), &out) != nil || out.PublicKey.Challenge == "" {
		t.Fatalf("begin: %d %s", w.Code, w.Body)
	}
	if out.PublicKey.RPID != "gw.example" {
		t.Errorf("RP ID %q, want public_url's host gw.example", out.PublicKey.RPID)
	}
	for _, c := range w.Result().Cookies() {
		if c.Name == ceremonyCookie {
			return out.PublicKey.Challenge, c
		}
	}
	t.Fatal("begin set no ceremony cookie")
	return "", nil
}

func finish(h http.Handler, ck *http.Cookie, body []byte, origin string) *httptest.ResponseRecorder {
	req := httptest.NewRequest("POST", PasskeySignInPath+"/finish", strings.NewReader(string(body)))
	if origin != "" {
		req.Header.Set("Origin", origin)
	}
	req.Header.Set("Content-Type", "application/json")
	if ck != nil {
		req.AddCookie(ck)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

func mux(s *Server) http.Handler {
	m := http.NewServeMux()
	for p, h := range s.Routes() {
		m.Handle(p, h)
	}
	return m
}

func TestPasskeySignInChecksWhatTheAuthenticatorSigned(t *testing.T) {
	good := func(ch string) assertion {
		return assertion{origin: "https://gw.example", challenge: ch, rpID: "gw.example", counter: 2}
	}
	cases := []struct {
		name   string
		change func(*assertion)
		origin string // the request's Origin header
		want   int
	}{
		{"the page's own assertion signs in", func(*assertion) {}, "https://gw.example", http.StatusOK},
		{"an assertion made for another origin is refused", func(a *assertion) { a.origin = "https://evil.example" }, "https://gw.example", http.StatusUnauthorized},
		{"an assertion over another challenge is refused", func(a *assertion) {
			a.challenge = base64.RawURLEncoding.EncodeToString([]byte("0123456789abcdef0123456789abcdef"))
		}, "https://gw.example", http.StatusUnauthorized},
		{"an assertion for another RP ID is refused", func(a *assertion) { a.rpID = "evil.example" }, "https://gw.example", http.StatusUnauthorized},
		{"a sign count that did not increase is refused as a clone", func(a *assertion) { a.counter = 1 }, "https://gw.example", http.StatusUnauthorized},
		{"a request from another site is refused (CSRF)", func(*assertion) {}, "https://evil.example", http.StatusForbidden},
		{"a request with no Origin is refused (CSRF)", func(*assertion) {}, "", http.StatusForbidden},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, k := passkeyFixture(t)
			h := mux(s)
			ch, ck := begin(t, h)
			a := good(ch)
			c.change(&a)
			w := finish(h, ck, k.answer(a), c.origin)
			if w.Code != c.want {
				t.Fatalf("finish: %d %s, want %d", w.Code, w.Body, c.want)
			}
			var session *http.Cookie
			for _, ck := range w.Result().Cookies() {
				if ck.Name == "__Host-mcpgate_session" {
					session = ck
				}
			}
			if (session != nil) != (c.want == http.StatusOK) {
				t.Fatalf("session cookie %v after a %d", session, w.Code)
			}
			if session == nil {
				keys, _ := s.st.User("u1").Passkeys(t.Context())
				if clone := strings.Contains(c.name, "clone"); keys[0].CloneWarning != clone {
					t.Errorf("clone warning %v after %q", keys[0].CloneWarning, c.name)
				}
				return
			}
			if !session.Secure || !session.HttpOnly || session.Path != "/" || session.Domain != "" || session.SameSite != http.SameSiteLaxMode {
				t.Errorf("session cookie %+v: want Secure, HttpOnly, Path=/, host-only, SameSite=Lax", session)
			}
			r := httptest.NewRequest("GET", SessionPath, nil)
			r.AddCookie(session)
			if u, ok := s.SignedInUser(r); !ok || u != "u1" {
				t.Errorf("SignedInUser = %q, %v; want u1", u, ok)
			}
			// The ceremony is spent: the same answer again is refused.
			if w := finish(h, ck, k.answer(a), "https://gw.example"); w.Code != http.StatusBadRequest {
				t.Errorf("a replayed answer: %d %s, want 400", w.Code, w.Body)
			}
			// An expired session signs no one in.
			s.now = func() time.Time { return time.Now().Add(2 * time.Hour) }
			if u, ok := s.SignedInUser(r); ok {
				t.Errorf("an expired session signed in %q", u)
			}
		})
	}
}

func TestPasskeyCeremoniesAreBounded(t *testing.T) {
	s, _ := passkeyFixture(t)
	h := mux(s)
	now := time.Now()
	s.now = func() time.Time { return now }
	post := func() int {
		req := httptest.NewRequest("POST", PasskeySignInPath+"/begin", strings.NewReader("{}"))
		req.Header.Set("Origin", "https://gw.example")
		req.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		return w.Code
	}
	for i := range maxCeremonies {
		if got := post(); got != http.StatusOK {
			t.Fatalf("begin %d: %d, want 200", i+1, got)
		}
	}
	if got := post(); got != http.StatusTooManyRequests {
		t.Fatalf("begin %d: %d, want 429", maxCeremonies+1, got)
	}
	now = now.Add(ceremonyTTL)
	if got := post(); got != http.StatusOK {
		t.Fatalf("begin in the next window: %d, want 200", got)
	}
}
