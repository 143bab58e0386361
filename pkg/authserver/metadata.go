package authserver

import (
	"encoding/json"
	"net/http"
	"strings"
)

// Well-known paths (RFC 9728 section 3, RFC 8414 section 3, OpenID
// Connect Discovery, which some clients probe instead).
const (
	ResourceMetadataPath = "/.well-known/oauth-protected-resource"
	ServerMetadataPath   = "/.well-known/oauth-authorization-server"
	OpenIDMetadataPath   = "/.well-known/openid-configuration"
)

// Endpoint paths of the authorization server.
const (
	AuthorizePath = "/oauth/authorize"
	TokenPath     = "/oauth/token"
	RegisterPath  = "/oauth/register"
	RevokePath    = "/oauth/revoke"
	ContinuePath  = "/oauth/continue"
	ConsentPath   = "/oauth/consent"
)

// ResourceMetadataURL is the URL of the metadata of the endpoint at path,
// the one a 401 from that endpoint points to.
func (s *Server) ResourceMetadataURL(path string) string {
	return s.issuer + ResourceMetadataPath + path
}

// resourceMetadata serves RFC 9728 metadata: at the root well-known URL
// for /mcp, and path-suffixed for /mcp and each /mcp/<connection>.
func (s *Server) resourceMetadata(w http.ResponseWriter, r *http.Request) {
	path := strings.TrimPrefix(r.URL.Path, ResourceMetadataPath)
	if path == "" {
		path = "/mcp"
	}
	if !EndpointPath(path) {
		http.NotFound(w, r)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"resource":                 s.Resource(path),
		"authorization_servers":    []string{s.issuer},
		"bearer_methods_supported": []string{"header"},
		"resource_name":            "mcpgate " + path,
	})
}

// serverMetadata serves RFC 8414 metadata (also at the OpenID path).
func (s *Server) serverMetadata(w http.ResponseWriter, _ *http.Request) {
	authMethods := []string{"none", "client_secret_basic", "client_secret_post"}
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer":                                         s.issuer,
		"authorization_endpoint":                         s.issuer + AuthorizePath,
		"token_endpoint":                                 s.issuer + TokenPath,
		"registration_endpoint":                          s.issuer + RegisterPath,
		"revocation_endpoint":                            s.issuer + RevokePath,
		"response_types_supported":                       []string{"code"},
		"response_modes_supported":                       []string{"query"},
		"grant_types_supported":                          []string{"authorization_code", "refresh_token"},
		"code_challenge_methods_supported":               []string{"S256"},
		"token_endpoint_auth_methods_supported":          authMethods,
		"revocation_endpoint_auth_methods_supported":     authMethods,
		"client_id_metadata_document_supported":          true,
		"authorization_response_iss_parameter_supported": true,
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
