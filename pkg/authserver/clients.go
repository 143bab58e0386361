package authserver

import (
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/mcpgate/mcpgate/pkg/store"
)

// Client kinds.
const (
	KindRegistered = "registered" // by `mcpgate oauth client add`
	KindDynamic    = "dynamic"    // RFC 7591
)

// Registration limits: a flood of registrations is refused past
// registrationsPerHour (all clients together), and no more than
// maxDynamicClients self-registered clients are kept; those never used
// expire after UnusedClientTTL (serve's housekeeping deletes them).
const (
	registrationsPerHour = 60
	maxDynamicClients    = 500
	UnusedClientTTL      = 24 * time.Hour
	maxRegistrationBytes = 16 << 10
)

// CheckRedirectURI refuses a redirect URI that is not https, or http on a
// loopback address (RFC 8252 section 7.3), or that carries a fragment or
// credentials.
func CheckRedirectURI(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.Fragment != "" || u.User != nil || len(raw) > 2000 {
		return errors.New("redirect_uri must be an absolute https URL without a fragment")
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		if isLoopbackHost(u.Hostname()) {
			return nil
		}
	}
	return errors.New("redirect_uri must be https, or http on a loopback address")
}

func isLoopbackHost(h string) bool {
	ip := net.ParseIP(h)
	return h == "localhost" || (ip != nil && ip.IsLoopback())
}

// redirectMatches compares a requested redirect URI with a registered one
// exactly, except that a loopback http redirect may use any port
// (RFC 8252 section 7.3).
func redirectMatches(registered, requested string) bool {
	if registered == requested {
		return true
	}
	a, errA := url.Parse(registered)
	b, errB := url.Parse(requested)
	if errA != nil || errB != nil || a.Scheme != "http" || b.Scheme != "http" || !isLoopbackHost(a.Hostname()) {
		return false
	}
	return a.Hostname() == b.Hostname() && a.EscapedPath() == b.EscapedPath() && a.RawQuery == b.RawQuery &&
		b.Fragment == "" && b.User == nil
}

// cleanName makes a client-supplied name safe to show: printable, one
// line, at most 80 characters.
func cleanName(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsPrint(r) {
			return r
		}
		return -1
	}, strings.TrimSpace(s))
	if r := []rune(s); len(r) > 80 {
		s = string(r[:80])
	}
	return s
}

// registrationWindow counts what was done in the current window (an
// hour of registrations, minutes of passkey ceremonies).
type registrationWindow struct {
	mu    sync.Mutex
	start time.Time
	n     int
}

func (w *registrationWindow) take(now time.Time, limit int, period time.Duration) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if now.Sub(w.start) >= period {
		w.start, w.n = now, 0
	}
	if w.n >= limit {
		return false
	}
	w.n++
	return true
}

type registration struct {
	RedirectURIs            []string `json:"redirect_uris"`
	ClientName              string   `json:"client_name"`
	TokenEndpointAuthMethod string   `json:"token_endpoint_auth_method"`
	GrantTypes              []string `json:"grant_types"`
	ResponseTypes           []string `json:"response_types"`
}

// register is Dynamic Client Registration (RFC 7591) for public clients.
func (s *Server) register(w http.ResponseWriter, r *http.Request) {
	now := s.now()
	if !s.registrations.take(now, registrationsPerHour, time.Hour) {
		w.Header().Set("Retry-After", "3600")
		writeJSON(w, http.StatusTooManyRequests, oauthError{"invalid_client_metadata", "too many registrations; try again later"})
		return
	}
	var reg registration
	body, err := io.ReadAll(io.LimitReader(r.Body, maxRegistrationBytes+1))
	if err != nil || len(body) > maxRegistrationBytes || json.Unmarshal(body, &reg) != nil {
		writeJSON(w, http.StatusBadRequest, oauthError{"invalid_client_metadata", "the registration must be a JSON object of at most 16 KiB"})
		return
	}
	if len(reg.RedirectURIs) == 0 || len(reg.RedirectURIs) > 10 {
		writeJSON(w, http.StatusBadRequest, oauthError{"invalid_redirect_uri", "give between 1 and 10 redirect_uris"})
		return
	}
	for _, u := range reg.RedirectURIs {
		if err := CheckRedirectURI(u); err != nil {
			writeJSON(w, http.StatusBadRequest, oauthError{"invalid_redirect_uri", err.Error()})
			return
		}
	}
	if m := reg.TokenEndpointAuthMethod; m != "" && m != "none" {
		writeJSON(w, http.StatusBadRequest, oauthError{"invalid_client_metadata", "self-registered clients are public: token_endpoint_auth_method must be none"})
		return
	}
	n, err := s.st.AuthServer().CountOAuthClients(r.Context(), KindDynamic)
	if err != nil {
		s.serverError(w, "count clients", err)
		return
	}
	if n >= maxDynamicClients {
		w.Header().Set("Retry-After", "3600")
		writeJSON(w, http.StatusTooManyRequests, oauthError{"invalid_client_metadata", "too many registered clients; unused ones expire after a day"})
		return
	}
	name := cleanName(reg.ClientName)
	if name == "" {
		name = "unnamed client"
	}
	c := store.OAuthClient{
		ID: random("mgo_c_"), Name: name, Kind: KindDynamic, RedirectURIs: reg.RedirectURIs, CreatedAt: now,
	}
	if err := s.st.AuthServer().PutOAuthClient(r.Context(), c); err != nil {
		s.serverError(w, "register client", err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{
		"client_id":                  c.ID,
		"client_id_issued_at":        now.Unix(),
		"client_name":                c.Name,
		"redirect_uris":              c.RedirectURIs,
		"token_endpoint_auth_method": "none",
		"grant_types":                []string{"authorization_code", "refresh_token"},
		"response_types":             []string{"code"},
	})
}

type oauthError struct {
	Error       string `json:"error"`
	Description string `json:"error_description,omitempty"`
}

func (s *Server) serverError(w http.ResponseWriter, what string, err error) {
	s.log.Error("authorization server: "+what, "err", err.Error())
	writeJSON(w, http.StatusServiceUnavailable, oauthError{"temporarily_unavailable", "the server cannot do that right now; try again"})
}
