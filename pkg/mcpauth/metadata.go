package mcpauth

import (
	"encoding/json"
	"net/http"
	"strings"
)

// ClientMetadataPath is where serve publishes mcpgate's Client ID Metadata
// Document; its full URL (under an https public_url) is the client_id.
const ClientMetadataPath = "/oauth/client-metadata.json"

// ClientName is how mcpgate names itself to authorization servers.
const ClientName = "mcpgate"

const clientURI = "https://github.com/mcpgate/mcpgate"

// ClientMetadata is mcpgate's client metadata document for the instance
// at publicURL (https): its client_id is the document's own URL, its one
// redirect URI the public callback.
type ClientMetadata struct {
	ClientID                string   `json:"client_id"`
	ClientName              string   `json:"client_name"`
	ClientURI               string   `json:"client_uri"`
	RedirectURIs            []string `json:"redirect_uris"`
	GrantTypes              []string `json:"grant_types"`
	ResponseTypes           []string `json:"response_types"`
	TokenEndpointAuthMethod string   `json:"token_endpoint_auth_method"`
}

// MetadataFor is the document served for publicURL; ok is false when
// publicURL is not https (a client_id must be an https URL).
func MetadataFor(publicURL, callbackPath string) (m ClientMetadata, ok bool) {
	base := strings.TrimRight(publicURL, "/")
	if !strings.HasPrefix(base, "https://") {
		return ClientMetadata{}, false
	}
	return ClientMetadata{
		ClientID:                base + ClientMetadataPath,
		ClientName:              ClientName,
		ClientURI:               clientURI,
		RedirectURIs:            []string{base + callbackPath},
		GrantTypes:              []string{"authorization_code", "refresh_token"},
		ResponseTypes:           []string{"code"},
		TokenEndpointAuthMethod: "none",
	}, true
}

// Handler serves m (GET or HEAD only).
func (m ClientMetadata) Handler() http.Handler {
	body, _ := json.Marshal(m)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "public, max-age=3600")
		w.Write(body)
	})
}
