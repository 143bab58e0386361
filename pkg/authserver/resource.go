package authserver

import (
	"errors"
	"net/url"
	"regexp"
	"strings"
)

// connRE is what a connection name may be (see appliance.nameRE).
var connRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,62}$`)

// ErrBadResource means a resource indicator is not one of this server's
// MCP endpoints.
var ErrBadResource = errors.New("the resource is not one of this server's MCP endpoints")

// EndpointPath reports whether p is an MCP endpoint's path: /mcp, or
// /mcp/<connection>.
func EndpointPath(p string) bool {
	if p == "/mcp" {
		return true
	}
	name, ok := strings.CutPrefix(p, "/mcp/")
	return ok && connRE.MatchString(name)
}

// Resource returns the canonical resource URI of the endpoint at path.
func (s *Server) Resource(path string) string { return s.issuer + path }

// ParseResource checks that raw names one of this server's MCP endpoints,
// exactly as Resource writes it (scheme and host as the issuer's, no
// query, fragment or trailing slash), and returns the endpoint's path.
func (s *Server) ParseResource(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil || u.User != nil || u.RawQuery != "" || u.Fragment != "" || u.ForceQuery || u.RawPath != "" {
		return "", ErrBadResource
	}
	path, ok := strings.CutPrefix(raw, s.issuer)
	if !ok || !EndpointPath(path) {
		return "", ErrBadResource
	}
	return path, nil
}
