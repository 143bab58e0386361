package mcpauth

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/oauthex"
	"golang.org/x/oauth2"

	"github.com/mcpgate/mcpgate/pkg/secret"
)

// Registration methods, as stored with a connection.
const (
	MethodPreRegistered = "pre-registered"
	MethodCIMD          = "client-id-metadata-document"
	MethodDCR           = "dynamic"
)

// Client is mcpgate's client registration at an authorization server.
type Client struct {
	ID     string
	Secret secret.Value // zero for a public client
	// AuthStyle is how the token endpoint takes the client's credentials.
	AuthStyle oauth2.AuthStyle
	Method    string
}

// RegisterOptions say how mcpgate may register.
type RegisterOptions struct {
	// RedirectURL is the callback the authorization will use.
	RedirectURL string
	// MetadataURL is the https URL where mcpgate serves its client
	// metadata document (ClientMetadataPath under public_url), "" if it
	// serves none. It is used as client_id when the authorization server
	// supports it and RedirectURL is one the document lists.
	MetadataURL string
	// MetadataRedirects are the redirect URIs that document lists.
	MetadataRedirects []string
	// ClientID and ClientSecret are a client the person registered
	// themselves (--client-id, secret from stdin); when set they are used.
	ClientID     string
	ClientSecret secret.Value
	// Scopes go into a dynamic registration.
	Scopes []string
}

// Register chooses or makes mcpgate's client at s's authorization server:
// the pre-registered one if given, else its Client ID Metadata Document,
// else Dynamic Client Registration.
func Register(ctx context.Context, s *Server, ro RegisterOptions, o Options) (Client, error) {
	if ro.ClientID != "" {
		return Client{ID: ro.ClientID, Secret: ro.ClientSecret, AuthStyle: authStyle(s.AS.TokenEndpointAuthMethodsSupported, !ro.ClientSecret.IsZero()), Method: MethodPreRegistered}, nil
	}
	if s.AS.ClientIDMetadataDocumentSupported && ro.MetadataURL != "" && slices.Contains(ro.MetadataRedirects, ro.RedirectURL) {
		return Client{ID: ro.MetadataURL, AuthStyle: oauth2.AuthStyleInParams, Method: MethodCIMD}, nil
	}
	if s.AS.RegistrationEndpoint == "" {
		return Client{}, fmt.Errorf("the authorization server %s offers neither client ID metadata documents (mcpgate serves one only when public_url is https) nor dynamic client registration: register mcpgate there with the redirect URI %s and pass --client-id (with its secret on stdin, if it has one)", s.AS.Issuer, ro.RedirectURL)
	}
	ctx, cancel := context.WithTimeout(ctx, o.timeout())
	defer cancel()
	return register(ctx, o.client(), s.AS.RegistrationEndpoint, ro)
}

// register runs Dynamic Client Registration (RFC 7591).
func register(ctx context.Context, hc *http.Client, endpoint string, ro RegisterOptions) (Client, error) {
	meta := oauthex.ClientRegistrationMetadata{
		RedirectURIs:  []string{ro.RedirectURL},
		GrantTypes:    []string{"authorization_code", "refresh_token"},
		ResponseTypes: []string{"code"},
		ClientName:    ClientName,
		ClientURI:     clientURI,
		Scope:         strings.Join(ro.Scopes, " "),
		// A confidential client: the secret is sealed in the vault.
		TokenEndpointAuthMethod: "client_secret_basic",
	}
	body, err := json.Marshal(meta)
	if err != nil {
		return Client{}, fmt.Errorf("encode client registration: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(body))
	if err != nil {
		return Client{}, fmt.Errorf("register mcpgate at %s: %w", endpoint, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	res, err := noRedirects(hc).Do(req)
	if err != nil {
		return Client{}, fmt.Errorf("register mcpgate at %s: %s", endpoint, describeTransport(err))
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusCreated && res.StatusCode != http.StatusOK {
		var e struct {
			Error       string `json:"error"`
			Description string `json:"error_description"`
		}
		if res.StatusCode == http.StatusBadRequest && decodeJSON(res, endpoint, &e) == nil && e.Error != "" {
			return Client{}, fmt.Errorf("register mcpgate at %s: refused: %s", endpoint, printable(e.Error+" "+e.Description))
		}
		return Client{}, fmt.Errorf("register mcpgate at %s: HTTP %d", endpoint, res.StatusCode)
	}
	var got struct {
		ClientID                string `json:"client_id"`
		ClientSecret            string `json:"client_secret"`
		TokenEndpointAuthMethod string `json:"token_endpoint_auth_method"`
	}
	if err := decodeJSON(res, endpoint, &got); err != nil {
		return Client{}, fmt.Errorf("register mcpgate: %w", err)
	}
	if got.ClientID == "" {
		return Client{}, fmt.Errorf("register mcpgate at %s: the answer has no client_id", endpoint)
	}
	method := got.TokenEndpointAuthMethod
	if method == "" {
		method = "client_secret_basic" // RFC 7591 §2
	}
	c := Client{ID: got.ClientID, Secret: secret.FromString(got.ClientSecret), Method: MethodDCR}
	switch {
	case got.ClientSecret == "" || method == "none" || method == "client_secret_post":
		c.AuthStyle = oauth2.AuthStyleInParams
	default:
		c.AuthStyle = oauth2.AuthStyleInHeader
	}
	return c, nil
}

// authStyle picks how a pre-registered client authenticates at a token
// endpoint that supports methods.
func authStyle(methods []string, hasSecret bool) oauth2.AuthStyle {
	if !hasSecret {
		return oauth2.AuthStyleInParams
	}
	if len(methods) == 0 || slices.Contains(methods, "client_secret_basic") {
		return oauth2.AuthStyleInHeader
	}
	if slices.Contains(methods, "client_secret_post") {
		return oauth2.AuthStyleInParams
	}
	return oauth2.AuthStyleInHeader
}

// printable keeps an authorization server's error text short and on one
// line of printable ASCII.
func printable(s string) string {
	s = strings.TrimSpace(s)
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s) && len(b) < 200; i++ {
		if c := s[i]; c >= 0x20 && c < 0x7f {
			b = append(b, c)
		}
	}
	return string(b)
}
