package authserver

import (
	"encoding/json"
	"errors"
	"mime"
	"net/http"
	"time"

	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/mcpgate/mcpgate/pkg/store"
)

// A passkey ceremony (registration or sign-in) is two requests: begin
// returns the options with a fresh challenge, finish checks the
// authenticator's answer against it. The challenge is kept server-side,
// by the hash of a handle in a cookie, and is taken once.
const (
	ceremonyCookie = "mcpgate_passkey"
	ceremonyTTL    = 5 * time.Minute
	ceremonyPath   = "/oauth/passkey/"
	// At most this many ceremonies begin per ceremonyTTL, so anonymous
	// begin requests cannot fill the table (about one a second).
	maxCeremonies = 300
)

// ceremonyData is what a ceremony keeps between its two requests.
type ceremonyData struct {
	Session webauthn.SessionData `json:"session"`
	Enrol   string               `json:"enrol,omitempty"`  // the enrolment link's hash
	Return  string               `json:"return,omitempty"` // a sign-in's same-origin page to go back to
}

var errBusy = errors.New("too many passkey ceremonies")

func (s *Server) beginCeremony(w http.ResponseWriter, r *http.Request, kind, userID string, d ceremonyData) error {
	if !s.ceremonies.take(s.now(), maxCeremonies, ceremonyTTL) {
		return errBusy
	}
	b, err := json.Marshal(d)
	if err != nil {
		return err
	}
	handle := random(handlePrefix)
	now := s.now()
	c := store.PasskeyCeremony{ID: hashOf(handle), Kind: kind, UserID: userID, Data: string(b), ExpiresAt: now.Add(ceremonyTTL)}
	if err := s.st.AuthServer().PutPasskeyCeremony(r.Context(), c, now); err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{
		Name: ceremonyCookie, Value: handle, Path: ceremonyPath, MaxAge: int(ceremonyTTL.Seconds()),
		HttpOnly: true, Secure: s.https(), SameSite: http.SameSiteStrictMode,
	})
	return nil
}

var errNoCeremony = errors.New("no passkey ceremony in progress")

// finishCeremony takes the ceremony of kind the browser's cookie names.
func (s *Server) finishCeremony(w http.ResponseWriter, r *http.Request, kind string) (store.PasskeyCeremony, ceremonyData, error) {
	ck, err := r.Cookie(ceremonyCookie)
	http.SetCookie(w, &http.Cookie{Name: ceremonyCookie, Value: "", Path: ceremonyPath, MaxAge: -1, HttpOnly: true, Secure: s.https(), SameSite: http.SameSiteStrictMode})
	if err != nil {
		return store.PasskeyCeremony{}, ceremonyData{}, errNoCeremony
	}
	c, err := s.st.AuthServer().TakePasskeyCeremony(r.Context(), hashOf(ck.Value), s.now())
	if errors.Is(err, store.ErrNotFound) || err == nil && c.Kind != kind {
		return store.PasskeyCeremony{}, ceremonyData{}, errNoCeremony
	} else if err != nil {
		return store.PasskeyCeremony{}, ceremonyData{}, err
	}
	var d ceremonyData
	if err := json.Unmarshal([]byte(c.Data), &d); err != nil {
		return store.PasskeyCeremony{}, ceremonyData{}, err
	}
	return c, d, nil
}

// sameOriginJSON is the CSRF check of the passkey endpoints, which take
// JSON from this server's own script: the browser's Origin must be
// public_url's and the body JSON, which a form on another site can send
// neither of.
func (s *Server) sameOriginJSON(w http.ResponseWriter, r *http.Request) bool {
	if s.rp == nil {
		refuse(w, http.StatusNotFound, "Passkeys are off: public_url must name a host (or localhost), not an IP address.")
		return false
	}
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if r.Header.Get("Origin") != s.origin() || err != nil || mt != "application/json" {
		writeJSON(w, http.StatusForbidden, map[string]string{"error": "This request did not come from mcpgate's own page. Reload it and try again."})
		return false
	}
	return true
}

// origin is public_url's origin.
func (s *Server) origin() string { return s.rpOrigin }

// refuse answers a passkey endpoint with an error the page shows.
func refuse(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}

// startCeremony begins a ceremony and answers the browser with what its
// authenticator is to sign (answer), or with why it cannot start.
func (s *Server) startCeremony(w http.ResponseWriter, r *http.Request, kind, userID string, d ceremonyData, answer any) {
	if err := s.beginCeremony(w, r, kind, userID, d); errors.Is(err, errBusy) {
		w.Header().Set("Retry-After", "60")
		refuse(w, http.StatusTooManyRequests, "Too many passkey sign-ins are in progress. Try again in a minute.")
		return
	} else if err != nil {
		s.serverError(w, "store passkey ceremony", err)
		return
	}
	writeJSON(w, http.StatusOK, answer)
}

// endCeremony takes the browser's ceremony of kind back, after checking
// the request is a same-origin JSON post; ok is false once the browser
// has been answered (expired says what to tell it when the ceremony is
// gone).
func (s *Server) endCeremony(w http.ResponseWriter, r *http.Request, kind, expired string) (store.PasskeyCeremony, ceremonyData, bool) {
	if !s.sameOriginJSON(w, r) {
		return store.PasskeyCeremony{}, ceremonyData{}, false
	}
	c, d, err := s.finishCeremony(w, r, kind)
	if errors.Is(err, errNoCeremony) {
		refuse(w, http.StatusBadRequest, expired)
		return c, d, false
	} else if err != nil {
		s.serverError(w, "read passkey ceremony", err)
		return c, d, false
	}
	return c, d, true
}
