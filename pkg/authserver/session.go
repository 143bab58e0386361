package authserver

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/mcpgate/mcpgate/pkg/store"
)

// sessionPrefix starts a browser session's token.
const sessionPrefix = "mgs_"

// sessionCookie is the session cookie's name: with https, __Host- so that
// it is Secure, host-only and for the whole site.
func (s *Server) sessionCookie() string {
	if s.https() {
		return "__Host-mcpgate_session"
	}
	return "mcpgate_session"
}

func (s *Server) https() bool { return strings.HasPrefix(s.issuer, "https://") }

// startSession signs the browser in as userID (after a passkey sign-in
// with passkeyID): a session row kept by the token's hash, and a cookie
// holding the user id and the token. The cookie is SameSite=Lax, so a
// client's redirect to the authorization endpoint (a top-level navigation
// from another site) finds the browser signed in.
func (s *Server) startSession(ctx context.Context, w http.ResponseWriter, userID, passkeyID string) error {
	tok := random(sessionPrefix)
	var idb [8]byte
	_, _ = rand.Read(idb[:])
	now := s.now()
	ttl := s.cfg.OAuthServer.SessionTTL
	if ttl <= 0 {
		ttl = 12 * time.Hour
	}
	sess := store.BrowserSession{
		ID: "s_" + hex.EncodeToString(idb[:]), Hash: hashOf(tok), UserID: userID, PasskeyID: passkeyID,
		ExpiresAt: now.Add(ttl), CreatedAt: now,
	}
	if err := s.st.User(userID).CreateBrowserSession(ctx, sess); err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{
		Name: s.sessionCookie(), Value: userID + "." + tok, Path: "/", MaxAge: int(ttl.Seconds()),
		HttpOnly: true, Secure: s.https(), SameSite: http.SameSiteLaxMode,
	})
	return nil
}

// SignedInUser reports which user the browser that sent r is signed in
// as: the user id of a live session (signed in with a passkey, not
// expired, not revoked with `mcpgate user session revoke`), read from the
// database on every call, so a revocation shows on the next request.
// ok is false for no session, an expired or revoked one, or a database
// error (which is logged). It is safe for concurrent use; pages of other
// packages that need a signed-in person (an approval page) call it.
func (s *Server) SignedInUser(r *http.Request) (userID string, ok bool) {
	if s == nil {
		return "", false
	}
	sess, err := s.session(r)
	if err != nil {
		if !errors.Is(err, store.ErrNotFound) {
			s.log.Error("authorization server: read browser session", "err", err.Error())
		}
		return "", false
	}
	return sess.UserID, true
}

// session is the browser's live session; store.ErrNotFound if none.
func (s *Server) session(r *http.Request) (store.BrowserSession, error) {
	ck, err := r.Cookie(s.sessionCookie())
	if err != nil {
		return store.BrowserSession{}, store.ErrNotFound
	}
	userID, tok, ok := strings.Cut(ck.Value, ".")
	if !ok || userID == "" || len(userID) > 100 || !strings.HasPrefix(tok, sessionPrefix) {
		return store.BrowserSession{}, store.ErrNotFound
	}
	sess, err := s.st.User(userID).BrowserSession(r.Context(), hashOf(tok))
	if err != nil {
		return store.BrowserSession{}, err
	}
	if sess.UserID != userID || !s.now().Before(sess.ExpiresAt) {
		return store.BrowserSession{}, store.ErrNotFound
	}
	return sess, nil
}

// sessionPage tells the person whether this browser is signed in.
func (s *Server) sessionPage(w http.ResponseWriter, r *http.Request) {
	msg := "This browser is not signed in to mcpgate."
	if _, ok := s.SignedInUser(r); ok {
		msg = "This browser is signed in to mcpgate with a passkey. Return to your application."
	}
	s.render(w, http.StatusOK, "error", pageData{Message: msg}, "")
}
