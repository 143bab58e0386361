package authserver

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/mcpgate/mcpgate/pkg/secret"
	"github.com/mcpgate/mcpgate/pkg/store"
)

// Passkey paths. The enrolment link's token is in its fragment, which a
// browser never sends: it reaches serve only in the script's POST body,
// never in a request line or a Referer.
const (
	PasskeyEnrolPath  = "/oauth/passkey/enrol"
	PasskeySignInPath = "/oauth/passkey/signin"
	PasskeyScriptPath = "/oauth/passkey.js"
	SessionPath       = "/oauth/session"
	enrolPrefix       = "mgp_e_"
	// EnrolmentTTL is how long an enrolment link works (once).
	EnrolmentTTL = 10 * time.Minute
)

// NewEnrolment makes a one-time link under issuer (public_url) that
// registers a passkey for userID when opened in a browser within
// EnrolmentTTL. Only the token's hash is stored.
func NewEnrolment(ctx context.Context, st store.Store, issuer, userID string, now time.Time) (secret.Value, error) {
	tok := random(enrolPrefix)
	e := store.PasskeyEnrolment{Hash: hashOf(tok), UserID: userID, ExpiresAt: now.Add(EnrolmentTTL), CreatedAt: now}
	if err := st.User(userID).AddPasskeyEnrolment(ctx, e); err != nil {
		return secret.Value{}, err
	}
	return secret.FromString(strings.TrimRight(issuer, "/") + PasskeyEnrolPath + "#" + userID + "." + tok), nil
}

func (s *Server) enrolPage(w http.ResponseWriter, _ *http.Request) {
	if s.rp == nil {
		s.errorPage(w, http.StatusNotFound, "Passkeys are off: public_url must name a host (or localhost), not an IP address.")
		return
	}
	s.render(w, http.StatusOK, "enrol", pageData{}, "")
}

// enrolment reads the link a begin request carries: its user and the
// hash of its token, if the link is unused and not expired.
func (s *Server) enrolment(w http.ResponseWriter, r *http.Request) (store.PasskeyEnrolment, bool) {
	var body struct {
		Link string `json:"link"`
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4096))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&body); err != nil {
		return store.PasskeyEnrolment{}, false
	}
	userID, tok, ok := strings.Cut(body.Link, ".")
	if !ok || userID == "" || len(userID) > 100 || !strings.HasPrefix(tok, enrolPrefix) {
		return store.PasskeyEnrolment{}, false
	}
	e, err := s.st.User(userID).PasskeyEnrolment(r.Context(), hashOf(tok), s.now())
	if err != nil {
		if !errors.Is(err, store.ErrNotFound) {
			s.log.Error("authorization server: read passkey enrolment", "err", err.Error())
		}
		return store.PasskeyEnrolment{}, false
	}
	return e, true
}

const linkRefused = "This enrolment link was already used or has expired. Run `mcpgate user passkey add` for a new one."

func (s *Server) enrolBegin(w http.ResponseWriter, r *http.Request) {
	if !s.sameOriginJSON(w, r) {
		return
	}
	e, ok := s.enrolment(w, r)
	if !ok {
		refuse(w, http.StatusGone, linkRefused)
		return
	}
	name, err := s.userName(r.Context(), e.UserID)
	if err != nil {
		refuse(w, http.StatusGone, linkRefused)
		return
	}
	u := passkeyUser{id: e.UserID, name: name}
	if u.keys, err = s.st.User(e.UserID).Passkeys(r.Context()); err != nil {
		s.serverError(w, "read passkeys", err)
		return
	}
	exclude := make([]protocol.CredentialDescriptor, 0, len(u.keys))
	for _, c := range u.WebAuthnCredentials() {
		exclude = append(exclude, c.Descriptor())
	}
	creation, session, err := s.rp.BeginRegistration(u,
		webauthn.WithResidentKeyRequirement(protocol.ResidentKeyRequirementRequired),
		webauthn.WithAuthenticatorSelection(protocol.AuthenticatorSelection{
			ResidentKey: protocol.ResidentKeyRequirementRequired, RequireResidentKey: protocol.ResidentKeyRequired(),
			UserVerification: protocol.VerificationRequired,
		}),
		webauthn.WithExclusions(exclude))
	if err != nil {
		s.serverError(w, "begin passkey registration", err)
		return
	}
	s.startCeremony(w, r, "register", e.UserID, ceremonyData{Session: *session, Enrol: e.Hash}, creation)
}

func (s *Server) enrolFinish(w http.ResponseWriter, r *http.Request) {
	c, d, ok := s.endCeremony(w, r, "register", "This registration has expired. Reload the page and try again.")
	if !ok {
		return
	}
	parsed, err := protocol.ParseCredentialCreationResponseBody(http.MaxBytesReader(w, r.Body, 64<<10))
	if err != nil {
		refuse(w, http.StatusBadRequest, "The browser's answer could not be read.")
		return
	}
	cred, err := s.rp.CreateCredential(passkeyUser{id: c.UserID, name: c.UserID}, d.Session, parsed)
	if err != nil {
		s.log.Warn("authorization server: passkey registration refused", "user", c.UserID, "err", protocolError(err))
		refuse(w, http.StatusBadRequest, "The passkey was refused: "+protocolError(err))
		return
	}
	now := s.now()
	p := store.Passkey{
		ID: "pk_" + randomHex(8), UserID: c.UserID, CredentialID: cred.ID, PublicKey: cred.PublicKey,
		AttestationType: cred.AttestationType, AAGUID: cred.Authenticator.AAGUID, Flags: uint8(cred.Flags.ProtocolValue()),
		SignCount: cred.Authenticator.SignCount, CreatedAt: now,
	}
	for _, t := range cred.Transport {
		p.Transports = append(p.Transports, string(t))
	}
	switch err := s.st.User(c.UserID).EnrolPasskey(r.Context(), d.Enrol, p, now); {
	case errors.Is(err, store.ErrNotFound):
		refuse(w, http.StatusGone, linkRefused)
		return
	case errors.Is(err, store.ErrAlreadyExists):
		refuse(w, http.StatusConflict, "This passkey is already registered.")
		return
	case err != nil:
		s.serverError(w, "store passkey", err)
		return
	}
	s.log.Info("passkey registered", "user", c.UserID, "passkey", p.ID)
	writeJSON(w, http.StatusOK, map[string]string{"message": "Your passkey is registered (" + p.ID + "). You can close this page and sign in with it."})
}

// protocolError is the library's description of a refusal, without the
// details meant for a developer.
func protocolError(err error) string {
	var pe *protocol.Error
	if errors.As(err, &pe) && pe.Details != "" {
		return pe.Details
	}
	return "the browser's answer did not verify"
}
