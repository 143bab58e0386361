package authserver

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"regexp"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/mcpgate/mcpgate/pkg/store"
)

// A passkey sign-in is discoverable: the browser offers the passkeys it
// has for this RP ID, and the one chosen names its user (the user handle
// is the user id), so several users can sign in with no username typed.

func (s *Server) signInPage(w http.ResponseWriter, _ *http.Request) {
	if s.rp == nil {
		s.errorPage(w, http.StatusNotFound, "Passkeys are off: public_url must name a host (or localhost), not an IP address.")
		return
	}
	s.render(w, http.StatusOK, "signin", pageData{}, "")
}

func (s *Server) signInBegin(w http.ResponseWriter, r *http.Request) {
	if !s.sameOriginJSON(w, r) {
		return
	}
	var body struct {
		Return string `json:"return"`
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&body); err != nil {
		refuse(w, http.StatusBadRequest, "The sign-in request could not be read.")
		return
	}
	// A return target that is not one of serve's own pages is ignored:
	// the sign-in then ends on the session page, as without one.
	ret, _ := returnPath(body.Return)
	assertion, session, err := s.rp.BeginDiscoverableLogin(webauthn.WithUserVerification(protocol.VerificationRequired))
	if err != nil {
		s.serverError(w, "begin passkey sign-in", err)
		return
	}
	s.startCeremony(w, r, "login", "", ceremonyData{Session: *session, Return: ret}, assertion)
}

func (s *Server) signInFinish(w http.ResponseWriter, r *http.Request) {
	_, d, ok := s.endCeremony(w, r, "login", "This sign-in has expired. Reload the page and try again.")
	if !ok {
		return
	}
	parsed, err := protocol.ParseCredentialRequestResponseBody(http.MaxBytesReader(w, r.Body, 64<<10))
	if err != nil {
		refuse(w, http.StatusBadRequest, "The browser's answer could not be read.")
		return
	}
	var who passkeyUser
	_, cred, err := s.rp.ValidatePasskeyLogin(func(_, userHandle []byte) (webauthn.User, error) {
		u, err := s.loadPasskeyUser(r.Context(), string(userHandle))
		who = u
		return u, err
	}, d.Session, parsed)
	if err != nil {
		s.log.Warn("authorization server: passkey sign-in refused", "err", protocolError(err))
		refuse(w, http.StatusUnauthorized, "The passkey sign-in was refused: "+protocolError(err)+".")
		return
	}
	p, ok := who.find(cred.ID)
	if !ok {
		refuse(w, http.StatusUnauthorized, "The passkey sign-in was refused: unknown passkey.")
		return
	}
	now := s.now()
	ctx := r.Context()
	if err := s.st.User(who.id).UsePasskey(ctx, p.ID, cred.Authenticator.SignCount, cred.Authenticator.CloneWarning,
		uint8(cred.Flags.ProtocolValue()), now); err != nil {
		s.serverError(w, "record passkey use", err)
		return
	}
	if cred.Authenticator.CloneWarning {
		// The library leaves the stored count as it was; the passkey is
		// marked, and refused until it is removed and enrolled again.
		s.log.Warn("authorization server: passkey sign-in refused", "user", who.id, "passkey", p.ID, "err", errClone.Error())
		refuse(w, http.StatusUnauthorized, "The passkey sign-in was refused: "+errClone.Error()+". Remove it with `mcpgate user passkey remove` and enrol it again.")
		return
	}
	if err := s.startSession(ctx, w, who.id, p.ID); err != nil {
		s.serverError(w, "start browser session", err)
		return
	}
	s.log.Info("passkey sign-in", "user", who.id, "passkey", p.ID)
	next := SessionPath
	if d.Return != "" {
		// Signed in from another of serve's pages (an approval page):
		// back to it, leaving any authorization in progress as it was.
		next = d.Return
	} else if req, _, ok := s.pending(r); ok {
		if req.UserID == "" {
			if _, err := s.st.AuthServer().ApproveOAuthRequest(ctx, req.ApprovalHash, who.id, now); err != nil && !errors.Is(err, store.ErrNotFound) {
				s.serverError(w, "approve authorization", err)
				return
			}
		}
		next = ContinuePath
	}
	writeJSON(w, http.StatusOK, map[string]string{"next": next})
}

// returnPaths are the pages a passkey sign-in may go back to: an
// approval page, by a relative path on serve's own origin, so a crafted
// sign-in link cannot send the browser elsewhere.
var returnPaths = regexp.MustCompile(`^/approvals/[A-Za-z0-9_]{1,64}$`)

// returnPath is p if a sign-in may go back to it.
func returnPath(p string) (string, bool) {
	if !returnPaths.MatchString(p) {
		return "", false
	}
	return p, true
}

// SignInURL is the same-origin address of the passkey sign-in page that
// goes back to back (a path) once the browser is signed in; ok is false
// when passkey sign-in is off or back is not a page a sign-in may
// go back to. Pages of other packages (an approval page) link to it.
func (s *Server) SignInURL(back string) (string, bool) {
	if s == nil || s.rp == nil {
		return "", false
	}
	p, ok := returnPath(back)
	if !ok {
		return "", false
	}
	return PasskeySignInPath + "?" + url.Values{"return": {p}}.Encode(), true
}

// randomHex is n random bytes in hex: an id, not a secret.
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
