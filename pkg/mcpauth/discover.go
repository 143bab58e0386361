package mcpauth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/modelcontextprotocol/go-sdk/oauthex"
)

// Options configure discovery and registration.
type Options struct {
	// HTTP sends the requests; nil means a client with Timeout.
	HTTP *http.Client
	// Timeout bounds the whole of Discover or Register; default 30s.
	Timeout time.Duration
	// AllowLoopbackHTTP accepts plain http URLs that name a loopback
	// address (127.0.0.0/8, ::1, localhost). Tests only: in use, every
	// URL must be https.
	AllowLoopbackHTTP bool
}

func (o Options) client() *http.Client {
	if o.HTTP != nil {
		return o.HTTP
	}
	return &http.Client{Timeout: o.timeout()}
}

func (o Options) timeout() time.Duration {
	if o.Timeout > 0 {
		return o.Timeout
	}
	return 30 * time.Second
}

// Server is what discovery found out about an MCP server.
type Server struct {
	// URL is the MCP server's address as given.
	URL string
	// Resource is the resource identifier its metadata names, sent as
	// the resource parameter (RFC 8707).
	Resource string
	// Scopes are the scopes to ask for: the 401's scope parameter, else
	// the metadata's scopes_supported.
	Scopes []string
	// AS is the authorization server's metadata, checked.
	AS oauthex.AuthServerMeta
}

// Challenge is the Bearer challenge of a 401 or 403.
type Challenge struct {
	ResourceMetadata string
	Scope            string
	Error            string
}

// ParseChallenge reads the Bearer challenge of h's WWW-Authenticate
// headers; ok is false if there is none.
func ParseChallenge(h http.Header) (c Challenge, ok bool) {
	cs, err := oauthex.ParseWWWAuthenticate(h.Values("WWW-Authenticate"))
	if err != nil {
		return Challenge{}, false
	}
	for _, ch := range cs {
		if ch.Scheme == "bearer" {
			return Challenge{ResourceMetadata: ch.Params["resource_metadata"], Scope: ch.Params["scope"], Error: ch.Params["error"]}, true
		}
	}
	return Challenge{}, false
}

// ErrNoMetadata means the server answered 401 but published no protected
// resource metadata anywhere it may.
var ErrNoMetadata = errors.New("the MCP server asks for a token but publishes no OAuth protected resource metadata (RFC 9728): connect it with a static header instead")

// Discover finds the authorization server of the MCP server at serverURL
// from its 401 challenge (ch; zero if it had none).
func Discover(ctx context.Context, serverURL string, ch Challenge, o Options) (*Server, error) {
	ctx, cancel := context.WithTimeout(ctx, o.timeout())
	defer cancel()
	server, err := checkURL("the MCP server URL", serverURL, o.AllowLoopbackHTTP)
	if err != nil {
		return nil, err
	}
	hc := o.client()
	var candidates []prmCandidate
	if ch.ResourceMetadata != "" {
		if _, err := checkURL("the resource_metadata URL of the 401", ch.ResourceMetadata, o.AllowLoopbackHTTP); err != nil {
			return nil, err
		}
		candidates = append(candidates, prmCandidate{URL: ch.ResourceMetadata, Resource: server.String()})
	}
	candidates = append(candidates, wellKnownPRM(server)...)
	var prm oauthex.ProtectedResourceMetadata
	found := false
	for _, c := range candidates {
		prm = oauthex.ProtectedResourceMetadata{}
		err := getJSON(ctx, hc, c.URL, &prm)
		if errors.Is(err, errNotThere) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("read the protected resource metadata: %w", err)
		}
		if !sameResource(prm.Resource, c.Resource) && (c.Also == "" || !sameResource(prm.Resource, c.Also)) {
			return nil, fmt.Errorf("the protected resource metadata at %s is for %q, not %q: refusing it (RFC 9728 §3.3)", c.URL, prm.Resource, c.Resource)
		}
		found = true
		break
	}
	if !found {
		return nil, ErrNoMetadata
	}
	if len(prm.AuthorizationServers) == 0 {
		return nil, errors.New("the protected resource metadata names no authorization server")
	}
	issuer := prm.AuthorizationServers[0]
	asm, err := authServer(ctx, hc, issuer, o)
	if err != nil {
		return nil, err
	}
	s := &Server{URL: serverURL, Resource: prm.Resource, AS: *asm}
	if ch.Scope != "" {
		s.Scopes = strings.Fields(ch.Scope)
	} else {
		s.Scopes = prm.ScopesSupported
	}
	return s, nil
}

// sameResource compares resource identifiers, ignoring a trailing slash
// (https://h and https://h/ name the same resource).
func sameResource(got, want string) bool {
	return got != "" && strings.TrimSuffix(got, "/") == strings.TrimSuffix(want, "/")
}

// authServer reads and checks the metadata of the authorization server
// issuer.
func authServer(ctx context.Context, hc *http.Client, issuer string, o Options) (*oauthex.AuthServerMeta, error) {
	iu, err := checkURL("the authorization server", issuer, o.AllowLoopbackHTTP)
	if err != nil {
		return nil, err
	}
	if iu.RawQuery != "" {
		return nil, fmt.Errorf("the authorization server %q has a query, which an issuer may not (RFC 8414 §2)", issuer)
	}
	for _, mu := range asMetadataURLs(iu) {
		var asm oauthex.AuthServerMeta
		err := getJSON(ctx, hc, mu, &asm)
		if errors.Is(err, errNotThere) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("read the authorization server metadata: %w", err)
		}
		if err := checkAS(&asm, issuer, o); err != nil {
			return nil, fmt.Errorf("the authorization server metadata at %s: %w", mu, err)
		}
		return &asm, nil
	}
	return nil, fmt.Errorf("the authorization server %s publishes no metadata (RFC 8414 or OpenID Connect discovery)", issuer)
}

// checkAS checks metadata against the issuer it was fetched for (RFC 8414
// §3.3) and what mcpgate needs: the code flow, PKCE S256, https endpoints.
func checkAS(asm *oauthex.AuthServerMeta, issuer string, o Options) error {
	if asm.Issuer == "" || strings.TrimSuffix(asm.Issuer, "/") != strings.TrimSuffix(issuer, "/") {
		return fmt.Errorf("its issuer is %q, not %q: refusing it (RFC 8414 §3.3)", asm.Issuer, issuer)
	}
	if asm.AuthorizationEndpoint == "" || asm.TokenEndpoint == "" {
		return errors.New("it names no authorization or token endpoint")
	}
	for _, e := range []struct{ what, u string }{
		{"authorization_endpoint", asm.AuthorizationEndpoint},
		{"token_endpoint", asm.TokenEndpoint},
		{"registration_endpoint", asm.RegistrationEndpoint},
	} {
		if e.u == "" {
			continue
		}
		if _, err := checkURL(e.what, e.u, o.AllowLoopbackHTTP); err != nil {
			return err
		}
	}
	if !slices.Contains(asm.CodeChallengeMethodsSupported, "S256") {
		return errors.New("it does not list PKCE S256 in code_challenge_methods_supported, which MCP requires")
	}
	if len(asm.ResponseTypesSupported) > 0 && !slices.Contains(asm.ResponseTypesSupported, "code") {
		return errors.New("it does not support the authorization code flow")
	}
	return nil
}
