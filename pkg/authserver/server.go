package authserver

import (
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/mcpgate/mcpgate/pkg/config"
	"github.com/mcpgate/mcpgate/pkg/store"
)

// Options are what a Server is made of.
type Options struct {
	Config *config.Config
	Store  store.Store
	Logger *slog.Logger
}

// Server is the authorization server. It is safe for concurrent use.
type Server struct {
	cfg    *config.Config
	st     store.Store
	log    *slog.Logger
	issuer string // public_url without a trailing slash
	now    func() time.Time

	registrations registrationWindow
	ceremonies    registrationWindow // passkey ceremonies begun
	tokens        tokenCache
	metadata      *metadataFetcher

	rp       *webauthn.WebAuthn // passkeys' relying party: public_url
	rpOrigin string
}

// New returns the authorization server, or nil when oauth_server is not
// enabled (the configuration was validated: public_url is usable).
func New(o Options) *Server {
	if o.Config == nil || !o.Config.OAuthServer.Enabled {
		return nil
	}
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Server{cfg: o.Config, st: o.Store, log: log, issuer: strings.TrimRight(o.Config.PublicURL, "/"), now: time.Now}
	s.metadata = newMetadataFetcher(o.Config.OAuthServer.ClientMetadataAllowPrivate, func() time.Time { return s.now() })
	if rp, err := newRelyingParty(s.issuer); err != nil {
		// An IP address cannot be a WebAuthn RP ID: the CLI approval
		// still works, passkeys do not.
		log.Warn("passkey sign-in is off: public_url needs a host name (or localhost), not an IP address", "err", err.Error())
	} else {
		s.rp, s.rpOrigin = rp, rp.Config.RPOrigins[0]
	}
	return s
}

// Issuer is the server's issuer identifier (RFC 8414): public_url.
func (s *Server) Issuer() string { return s.issuer }

// Routes are the handlers serve mounts on the gateway listener.
func (s *Server) Routes() map[string]http.Handler {
	return map[string]http.Handler{
		"GET " + ResourceMetadataPath:           http.HandlerFunc(s.resourceMetadata),
		"GET " + ResourceMetadataPath + "/":     http.HandlerFunc(s.resourceMetadata),
		"GET " + ServerMetadataPath:             http.HandlerFunc(s.serverMetadata),
		"GET " + OpenIDMetadataPath:             http.HandlerFunc(s.serverMetadata),
		"GET " + AuthorizePath:                  http.HandlerFunc(s.authorize),
		"GET " + ContinuePath:                   http.HandlerFunc(s.proceed),
		"POST " + ConsentPath:                   http.HandlerFunc(s.consent),
		"POST " + TokenPath:                     http.HandlerFunc(s.token),
		"POST " + RegisterPath:                  http.HandlerFunc(s.register),
		"POST " + RevokePath:                    http.HandlerFunc(s.revoke),
		"GET " + PasskeyScriptPath:              http.HandlerFunc(s.script),
		"GET " + PasskeyEnrolPath:               http.HandlerFunc(s.enrolPage),
		"POST " + PasskeyEnrolPath + "/begin":   http.HandlerFunc(s.enrolBegin),
		"POST " + PasskeyEnrolPath + "/finish":  http.HandlerFunc(s.enrolFinish),
		"GET " + PasskeySignInPath:              http.HandlerFunc(s.signInPage),
		"POST " + PasskeySignInPath + "/begin":  http.HandlerFunc(s.signInBegin),
		"POST " + PasskeySignInPath + "/finish": http.HandlerFunc(s.signInFinish),
		"GET " + SessionPath:                    http.HandlerFunc(s.sessionPage),
	}
}
