package mcpauthtest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"time"

	"github.com/modelcontextprotocol/go-sdk/auth"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/modelcontextprotocol/go-sdk/oauthex"
)

// MCPOptions configure an MCP server.
type MCPOptions struct {
	// Scopes the token must carry (default "mcp"); see also Require.
	Scopes []string
	// Resource, if set, is what its metadata claims as resource instead
	// of its own URL.
	Resource string
	// TLS serves https (the certificate is the test server's).
	TLS bool
	// NoChallengeURL leaves resource_metadata out of the 401, so a client
	// must find the metadata at its well-known URL.
	NoChallengeURL bool
}

// MCP is a go-sdk MCP server with one tool, whoami, behind the go-sdk's
// auth middleware trusting an AS; it serves /mcp and its protected
// resource metadata.
type MCP struct {
	srv     *httptest.Server
	onStart []func(base string)
	scopes  atomic.Pointer[[]string]
	// URL is /mcp's address.
	URL string
}

// NewMCP starts an MCP server whose tokens as issues.
func NewMCP(as *AS, o MCPOptions) *MCP {
	if o.Scopes == nil {
		o.Scopes = []string{"mcp"}
	}
	m := &MCP{}
	m.scopes.Store(&o.Scopes)
	server := mcp.NewServer(&mcp.Implementation{Name: "protected", Version: "1"}, nil)
	type none struct{}
	type who struct {
		Scopes []string `json:"scopes"`
	}
	mcp.AddTool(server, &mcp.Tool{Name: "whoami", Description: "the token's scopes"}, func(ctx context.Context, req *mcp.CallToolRequest, _ none) (*mcp.CallToolResult, who, error) {
		return nil, who{Scopes: req.Extra.TokenInfo.Scopes}, nil
	})
	h := mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return server }, nil)
	mux := http.NewServeMux()
	protect := func(path string) {
		var resource string // set once the address is known
		verifier := func(_ context.Context, token string, _ *http.Request) (*auth.TokenInfo, error) {
			sc, exp, ok := as.Verify(token, resource)
			if !ok || time.Now().After(exp) {
				return nil, auth.ErrInvalidToken
			}
			return &auth.TokenInfo{Scopes: sc, Expiration: exp}, nil
		}
		var metadataURL string
		mux.Handle(path, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			opts := &auth.RequireBearerTokenOptions{Scopes: *m.scopes.Load(), ResourceMetadataURL: metadataURL}
			auth.RequireBearerToken(verifier, opts)(h).ServeHTTP(w, r)
		}))
		mux.Handle("/.well-known/oauth-protected-resource"+path, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			claimed := resource
			if o.Resource != "" {
				claimed = o.Resource
			}
			auth.ProtectedResourceMetadataHandler(&oauthex.ProtectedResourceMetadata{
				Resource: claimed, AuthorizationServers: []string{as.Issuer()}, ScopesSupported: []string{"mcp", "admin"},
			}).ServeHTTP(w, r)
		}))
		m.onStart = append(m.onStart, func(base string) {
			resource = base + path
			if !o.NoChallengeURL {
				metadataURL = base + "/.well-known/oauth-protected-resource" + path
			}
		})
	}
	protect("/mcp")
	m.srv = httptest.NewUnstartedServer(mux)
	scheme := "http://"
	if o.TLS {
		scheme = "https://"
	}
	for _, f := range m.onStart {
		f(scheme + m.srv.Listener.Addr().String())
	}
	if o.TLS {
		m.srv.StartTLS()
	} else {
		m.srv.Start()
	}
	m.URL = m.srv.URL + "/mcp"
	return m
}

// Client trusts the server's certificate (with TLS).
func (m *MCP) Client() *http.Client { return m.srv.Client() }

// Close stops it.
func (m *MCP) Close() { m.srv.Close() }

// Require changes the scopes a token must carry from now on (a server
// that asks for more: step-up).
func (m *MCP) Require(scopes ...string) { m.scopes.Store(&scopes) }
