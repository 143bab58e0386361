package authserver

import (
	"context"
	"crypto/subtle"
	"errors"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/mcpgate/mcpgate/pkg/apikey"
	"github.com/mcpgate/mcpgate/pkg/store"
)

// token is the token endpoint: authorization_code and refresh_token.
func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		writeJSON(w, http.StatusBadRequest, oauthError{"invalid_request", "the body must be a form"})
		return
	}
	f := r.PostForm
	for k, v := range f {
		if len(v) > 1 {
			writeJSON(w, http.StatusBadRequest, oauthError{"invalid_request", k + " appears more than once"})
			return
		}
	}
	client, ok := s.authenticateClient(w, r)
	if !ok {
		return
	}
	switch f.Get("grant_type") {
	case "authorization_code":
		s.exchangeCode(w, r, client)
	case "refresh_token":
		s.refresh(w, r, client)
	default:
		writeJSON(w, http.StatusBadRequest, oauthError{"unsupported_grant_type", "use authorization_code or refresh_token"})
	}
}

// authenticateClient finds the client a token request comes from: a public
// client by client_id, a registered one by its secret (HTTP Basic or the
// form).
func (s *Server) authenticateClient(w http.ResponseWriter, r *http.Request) (store.OAuthClient, bool) {
	id, secret, basic := r.BasicAuth()
	if !basic {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	c, err := s.client(r.Context(), id)
	var cimdErr *metadataError
	if errors.As(err, &cimdErr) {
		writeJSON(w, http.StatusUnauthorized, oauthError{"invalid_client", cimdErr.Error()})
		return store.OAuthClient{}, false
	}
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		s.serverError(w, "read client", err)
		return store.OAuthClient{}, false
	}
	okSecret := c.SecretHash == "" && secret == "" ||
		c.SecretHash != "" && subtle.ConstantTimeCompare([]byte(c.SecretHash), []byte(hashOf(secret))) == 1
	if err != nil || id == "" || !okSecret {
		writeJSON(w, http.StatusUnauthorized, oauthError{"invalid_client", "unknown client or wrong client credentials"})
		return store.OAuthClient{}, false
	}
	return c, true
}

func (s *Server) exchangeCode(w http.ResponseWriter, r *http.Request, c store.OAuthClient) {
	f := r.PostForm
	ctx := r.Context()
	invalid := func(desc string) { writeJSON(w, http.StatusBadRequest, oauthError{"invalid_grant", desc}) }
	code := f.Get("code")
	if !strings.HasPrefix(code, codePrefix) {
		invalid("unknown authorization code")
		return
	}
	_, keyID, err := apikey.Generate()
	if err != nil {
		s.serverError(w, "key id", err)
		return
	}
	req, err := s.st.AuthServer().RedeemOAuthCode(ctx, hashOf(code), keyID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		invalid("unknown authorization code")
		return
	case errors.Is(err, store.ErrConflict):
		invalid("the authorization code was already used")
		return
	case err != nil:
		s.serverError(w, "redeem code", err)
		return
	}
	if req.GrantKeyID != "" {
		// A code used twice was stolen or replayed: what it gave is revoked.
		s.revokeGrant(ctx, req.UserID, req.GrantKeyID, "authorization code reused")
		invalid("the authorization code was already used; the grant it gave is revoked")
		return
	}
	switch {
	case !s.now().Before(req.CodeExpiresAt):
		invalid("the authorization code has expired")
	case req.ClientID != c.ID:
		invalid("the authorization code was issued to another client")
	case f.Get("redirect_uri") != req.RedirectURI:
		invalid("redirect_uri does not match the authorization request")
	case !verifierMatches(f.Get("code_verifier"), req.CodeChallenge):
		invalid("code_verifier does not match the code_challenge")
	case f.Get("resource") != "" && f.Get("resource") != s.Resource(req.Resource):
		writeJSON(w, http.StatusBadRequest, oauthError{"invalid_target", "resource does not match the authorization request"})
	default:
		s.issueGrant(w, ctx, c, req, keyID)
	}
}

var slugRE = regexp.MustCompile(`[^a-z0-9]+`)

// issueGrant stores the grant as an app key with its policy, and its first
// tokens.
func (s *Server) issueGrant(w http.ResponseWriter, ctx context.Context, c store.OAuthClient, req store.OAuthRequest, keyID string) {
	now := s.now()
	slug := strings.Trim(slugRE.ReplaceAllString(strings.ToLower(c.Name), "-"), "-")
	if len(slug) > 30 {
		slug = strings.Trim(slug[:30], "-")
	}
	if slug == "" {
		slug = "client"
	}
	// The key's hash is of a secret nobody keeps: no mgw_ key opens it.
	unusable, err := apikey.Hash([]byte(random("")))
	if err != nil {
		s.serverError(w, "grant key", err)
		return
	}
	k := store.APIKey{ID: keyID, UserID: req.UserID, Name: "oauth-" + slug + "-" + strings.ToLower(keyID[:6]), Hash: unusable, CreatedAt: now}
	if req.Resource != "/mcp" {
		k.Scope = []string{strings.TrimPrefix(req.Resource, "/mcp/")}
	} else {
		k.Scope = req.Scope // the connections chosen at consent; nil for all
	}
	g := store.OAuthGrant{KeyID: keyID, UserID: req.UserID, ClientID: c.ID, ClientName: c.Name, Resource: req.Resource, CreatedAt: now}
	access, refresh, tokens := s.newTokens(req.UserID, keyID, req.Resource, now)
	us := s.st.User(req.UserID)
	if err := us.CreateOAuthGrant(ctx, k, g, tokens); err != nil {
		s.serverError(w, "store grant", err)
		return
	}
	if req.Policy != "" {
		if err := us.PutPolicy(ctx, store.Policy{UserID: req.UserID, KeyID: keyID, Body: req.Policy, UpdatedAt: now}); err != nil {
			s.revokeGrant(ctx, req.UserID, keyID, "its policy could not be stored")
			s.serverError(w, "store grant policy", err)
			return
		}
	}
	if c.Kind != KindMetadata { // a metadata document's client is not stored
		if err := s.st.AuthServer().TouchOAuthClient(ctx, c.ID, now); err != nil {
			s.log.Warn("authorization server: record client use", "client", c.ID, "err", err.Error())
		}
	}
	s.log.Info("oauth grant issued", "user", req.UserID, "key", k.Name, "client", c.ID, "resource", req.Resource)
	s.writeTokens(w, access, refresh)
}

func (s *Server) newTokens(userID, keyID, resource string, now time.Time) (string, string, []store.OAuthToken) {
	access, refresh := random(accessPrefix), random(refreshPrefix)
	return access, refresh, []store.OAuthToken{
		{Hash: hashOf(access), UserID: userID, KeyID: keyID, Kind: "access", Resource: resource,
			ExpiresAt: now.Add(s.cfg.OAuthServer.AccessTTL), CreatedAt: now},
		{Hash: hashOf(refresh), UserID: userID, KeyID: keyID, Kind: "refresh", Resource: resource,
			ExpiresAt: now.Add(s.cfg.OAuthServer.RefreshTTL), CreatedAt: now},
	}
}

func (s *Server) writeTokens(w http.ResponseWriter, access, refresh string) {
	w.Header().Set("Pragma", "no-cache")
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token":  access,
		"token_type":    "Bearer",
		"expires_in":    int(s.cfg.OAuthServer.AccessTTL.Seconds()),
		"refresh_token": refresh,
	})
}

// refresh rotates a refresh token. A refresh token presented a second
// time was copied: the whole grant is revoked.
func (s *Server) refresh(w http.ResponseWriter, r *http.Request, c store.OAuthClient) {
	ctx := r.Context()
	invalid := func(desc string) { writeJSON(w, http.StatusBadRequest, oauthError{"invalid_grant", desc}) }
	raw := r.PostForm.Get("refresh_token")
	if !strings.HasPrefix(raw, refreshPrefix) {
		invalid("unknown refresh token")
		return
	}
	now := s.now()
	old, err := s.st.AuthServer().UseOAuthRefresh(ctx, hashOf(raw), now)
	if errors.Is(err, store.ErrNotFound) {
		invalid("unknown refresh token")
		return
	} else if err != nil {
		s.serverError(w, "use refresh token", err)
		return
	}
	if !old.UsedAt.IsZero() {
		s.revokeGrant(ctx, old.UserID, old.KeyID, "refresh token reused")
		invalid("the refresh token was already used; the grant is revoked")
		return
	}
	k, g, err := s.grant(ctx, old.UserID, old.KeyID)
	switch {
	case err != nil:
		invalid("the grant is gone")
	case k.Revoked():
		invalid("the grant was revoked")
	case !now.Before(old.ExpiresAt):
		invalid("the refresh token has expired")
	case g.ClientID != c.ID:
		invalid("the refresh token was issued to another client")
	case r.PostForm.Get("resource") != "" && r.PostForm.Get("resource") != s.Resource(old.Resource):
		writeJSON(w, http.StatusBadRequest, oauthError{"invalid_target", "resource does not match the grant"})
	default:
		access, refresh, tokens := s.newTokens(old.UserID, old.KeyID, old.Resource, now)
		if err := s.st.User(old.UserID).AddOAuthTokens(ctx, tokens); err != nil {
			s.serverError(w, "store tokens", err)
			return
		}
		s.writeTokens(w, access, refresh)
	}
}

// grant reads a grant's key and record.
func (s *Server) grant(ctx context.Context, userID, keyID string) (store.APIKey, store.OAuthGrant, error) {
	k, err := s.st.Privileged().APIKey(ctx, keyID)
	if err != nil || k.UserID != userID {
		return store.APIKey{}, store.OAuthGrant{}, store.ErrNotFound
	}
	gs, err := s.st.User(userID).OAuthGrants(ctx)
	if err != nil {
		return store.APIKey{}, store.OAuthGrant{}, err
	}
	for _, g := range gs {
		if g.KeyID == keyID {
			return k, g, nil
		}
	}
	return store.APIKey{}, store.OAuthGrant{}, store.ErrNotFound
}

// revokeGrant revokes a grant's key: every token of it is refused from
// the next request on.
func (s *Server) revokeGrant(ctx context.Context, userID, keyID, why string) {
	us := s.st.User(userID)
	k, err := s.st.Privileged().APIKey(ctx, keyID)
	if err == nil && k.UserID == userID && !k.Revoked() {
		k.RevokedAt = s.now()
		err = us.UpdateAPIKey(ctx, k)
	}
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		s.log.Error("authorization server: revoke grant", "key", keyID, "err", err.Error())
		return
	}
	s.log.Warn("oauth grant revoked", "user", userID, "key", k.Name, "reason", why)
}

// revoke is token revocation (RFC 7009). Revoking either token of a grant
// revokes the grant. The answer is 200 whether the token was known or not.
func (s *Server) revoke(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		writeJSON(w, http.StatusBadRequest, oauthError{"invalid_request", "the body must be a form"})
		return
	}
	c, ok := s.authenticateClient(w, r)
	if !ok {
		return
	}
	raw := r.PostForm.Get("token")
	if strings.HasPrefix(raw, accessPrefix) || strings.HasPrefix(raw, refreshPrefix) {
		if o, err := s.st.AuthServer().OAuthToken(r.Context(), hashOf(raw)); err == nil {
			if _, g, err := s.grant(r.Context(), o.UserID, o.KeyID); err == nil && g.ClientID == c.ID {
				s.revokeGrant(r.Context(), o.UserID, o.KeyID, "revoked by the client")
			}
		}
	}
	w.WriteHeader(http.StatusOK)
}
