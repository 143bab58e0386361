package authserver

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/mcpgate/mcpgate/pkg/store"
)

// Lifetimes of an authorization in progress.
const (
	requestTTL = 10 * time.Minute // approval code and consent
	codeTTL    = 60 * time.Second // authorization code
)

const cookieName = "mcpgate_authz"

// authorize starts an authorization: it checks the client and redirect
// URI first, and shows an error page (never redirecting) if either is
// wrong, then checks the rest and redirects errors back to the client.
// A good request gets a page with an approval code, and the browser a
// cookie that ties it to this request.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	for k, v := range q {
		if len(v) > 1 {
			s.errorPage(w, http.StatusBadRequest, "The parameter "+k+" appears more than once.")
			return
		}
	}
	c, err := s.client(r.Context(), q.Get("client_id"))
	var cimdErr *metadataError
	if errors.As(err, &cimdErr) {
		s.errorPage(w, http.StatusBadRequest, "This application's metadata document was refused: "+cimdErr.Error()+".")
		return
	} else if errors.Is(err, store.ErrNotFound) || q.Get("client_id") == "" {
		s.errorPage(w, http.StatusBadRequest, "This application is not registered with mcpgate (unknown client_id).")
		return
	} else if err != nil {
		s.log.Error("authorization server: read client", "err", err.Error())
		s.errorPage(w, http.StatusServiceUnavailable, "mcpgate cannot read its clients right now; try again.")
		return
	}
	redirect := q.Get("redirect_uri")
	if !registeredRedirect(c, redirect) {
		s.errorPage(w, http.StatusBadRequest, "The redirect_uri is not one this application registered.")
		return
	}
	state := q.Get("state")
	fail := func(code, desc string) { s.redirectError(w, r, redirect, state, code, desc) }
	switch {
	case q.Get("response_type") != "code":
		fail("unsupported_response_type", "only response_type=code is supported")
		return
	case q.Get("code_challenge_method") != "S256":
		fail("invalid_request", "PKCE with code_challenge_method=S256 is required")
		return
	case !validChallenge(q.Get("code_challenge")):
		fail("invalid_request", "code_challenge must be a base64url SHA-256 (43 characters)")
		return
	case q.Get("resource") == "":
		fail("invalid_target", "the resource parameter (RFC 8707) is required")
		return
	case len(state) > 500:
		fail("invalid_request", "state is too long")
		return
	}
	path, err := s.ParseResource(q.Get("resource"))
	if err != nil {
		fail("invalid_target", err.Error())
		return
	}
	handle, approval := random(handlePrefix), newApprovalCode()
	now := s.now()
	req := store.OAuthRequest{
		ID: hashOf(handle), ApprovalHash: hashOf(approval), ClientID: c.ID, RedirectURI: redirect,
		CodeChallenge: q.Get("code_challenge"), Resource: path, State: state, ExpiresAt: now.Add(requestTTL), CreatedAt: now,
	}
	if err := s.st.AuthServer().PutOAuthRequest(r.Context(), req); err != nil {
		s.log.Error("authorization server: store request", "err", err.Error())
		s.errorPage(w, http.StatusServiceUnavailable, "mcpgate cannot start an authorization right now; try again.")
		return
	}
	http.SetCookie(w, &http.Cookie{
		Name: cookieName, Value: handle + "." + approval, Path: "/oauth/", MaxAge: int(requestTTL.Seconds()),
		HttpOnly: true, Secure: strings.HasPrefix(s.issuer, "https://"), SameSite: http.SameSiteLaxMode,
	})
	http.Redirect(w, r, ContinuePath, http.StatusSeeOther)
}

func registeredRedirect(c store.OAuthClient, redirect string) bool {
	if redirect == "" || CheckRedirectURI(redirect) != nil {
		return false
	}
	for _, u := range c.RedirectURIs {
		if redirectMatches(u, redirect) {
			return true
		}
	}
	return false
}

func validChallenge(c string) bool {
	b, err := base64.RawURLEncoding.DecodeString(c)
	return err == nil && len(b) == sha256.Size
}

// verifierMatches checks a PKCE code_verifier against its S256 challenge.
func verifierMatches(verifier, challenge string) bool {
	if len(verifier) < 43 || len(verifier) > 128 {
		return false
	}
	sum := sha256.Sum256([]byte(verifier))
	return subtle.ConstantTimeCompare([]byte(base64.RawURLEncoding.EncodeToString(sum[:])), []byte(challenge)) == 1
}

// redirectError sends an error back to the client's (checked) redirect
// URI, with state and iss (RFC 9207).
func (s *Server) redirectError(w http.ResponseWriter, r *http.Request, redirect, state, code, desc string) {
	v := url.Values{"error": {code}, "error_description": {desc}, "iss": {s.issuer}}
	if state != "" {
		v.Set("state", state)
	}
	http.Redirect(w, r, withQuery(redirect, v), http.StatusSeeOther)
}

// withQuery adds v to u's query, keeping what u has.
func withQuery(u string, v url.Values) string {
	p, _ := url.Parse(u) // checked when it was registered and requested
	q := p.Query()
	for k, vs := range v {
		q[k] = vs
	}
	p.RawQuery = q.Encode()
	return p.String()
}

// pending finds the authorization in progress the browser's cookie names,
// checking its approval code too.
func (s *Server) pending(r *http.Request) (store.OAuthRequest, string, bool) {
	ck, err := r.Cookie(cookieName)
	if err != nil {
		return store.OAuthRequest{}, "", false
	}
	handle, approval, ok := strings.Cut(ck.Value, ".")
	if !ok || !strings.HasPrefix(handle, handlePrefix) {
		return store.OAuthRequest{}, "", false
	}
	req, err := s.st.AuthServer().OAuthRequest(r.Context(), hashOf(handle))
	if err != nil || subtle.ConstantTimeCompare([]byte(req.ApprovalHash), []byte(hashOf(approval))) != 1 ||
		!s.now().Before(req.ExpiresAt) {
		return store.OAuthRequest{}, "", false
	}
	return req, handle, true
}

// csrfToken is the consent form's token: bound to the browser's handle,
// which only the HttpOnly cookie carries.
func csrfToken(handle string) string { return hashOf("mcpgate-consent:" + handle) }

// proceed shows the approval page until `mcpgate oauth approve` has run
// or the browser signed in with a passkey, then the consent page.
func (s *Server) proceed(w http.ResponseWriter, r *http.Request) {
	req, handle, ok := s.pending(r)
	if !ok {
		s.errorPage(w, http.StatusBadRequest, "This sign-in has expired or was already used. Start again from your application.")
		return
	}
	if req.UserID == "" {
		// A browser signed in with a passkey skips the sign-in step; it
		// still consents below.
		if userID, ok := s.SignedInUser(r); ok {
			approved, err := s.st.AuthServer().ApproveOAuthRequest(r.Context(), req.ApprovalHash, userID, s.now())
			if err != nil {
				s.errorPage(w, http.StatusBadRequest, "This sign-in has expired or was already used. Start again from your application.")
				return
			}
			req = approved
		}
	}
	if req.UserID == "" {
		ck, _ := r.Cookie(cookieName)
		_, approval, _ := strings.Cut(ck.Value, ".")
		s.waitPage(w, approval)
		return
	}
	if req.CodeHash != "" {
		s.errorPage(w, http.StatusBadRequest, "This sign-in was already completed.")
		return
	}
	c, err := s.client(r.Context(), req.ClientID)
	if err != nil {
		s.errorPage(w, http.StatusBadRequest, "This application is no longer registered.")
		return
	}
	conns, err := s.st.User(req.UserID).ListConnections(r.Context())
	if err != nil {
		s.log.Error("authorization server: list connections", "err", err.Error())
		s.errorPage(w, http.StatusServiceUnavailable, "mcpgate cannot read your connections right now; try again.")
		return
	}
	s.consentPage(w, c, req, csrfToken(handle), conns)
}

// consent takes the consent form's answer.
func (s *Server) consent(w http.ResponseWriter, r *http.Request) {
	req, handle, ok := s.pending(r)
	if !ok || req.UserID == "" || req.CodeHash != "" {
		s.errorPage(w, http.StatusBadRequest, "This sign-in has expired, was not approved, or was already used. Start again from your application.")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxConsentBytes)
	if err := r.ParseForm(); err != nil ||
		subtle.ConstantTimeCompare([]byte(r.PostForm.Get("csrf")), []byte(csrfToken(handle))) != 1 {
		s.errorPage(w, http.StatusForbidden, "The form could not be verified. Reload the page and try again.")
		return
	}
	choice, err := s.readConsent(r.Context(), req, r.PostForm)
	var fe *formError
	if errors.As(err, &fe) {
		s.errorPage(w, fe.status, fe.msg)
		return
	}
	clearCookie(w)
	if !choice.allow {
		s.redirectError(w, r, req.RedirectURI, req.State, "access_denied", "the person declined")
		return
	}
	code := random(codePrefix)
	if err := s.st.AuthServer().IssueOAuthCode(r.Context(), req.ID, hashOf(code), s.now().Add(codeTTL), choice.policy(), choice.scope); err != nil {
		s.errorPage(w, http.StatusBadRequest, "This sign-in was already completed.")
		return
	}
	v := url.Values{"code": {code}, "iss": {s.issuer}}
	if req.State != "" {
		v.Set("state", req.State)
	}
	http.Redirect(w, r, withQuery(req.RedirectURI, v), http.StatusSeeOther)
}

func clearCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: "", Path: "/oauth/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode})
}
