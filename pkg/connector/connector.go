package connector

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/mcpgate/mcpgate/pkg/secret"
)

// Auth kinds.
const (
	AuthAPIKey = "api_key"
	AuthOAuth2 = "oauth2"
)

// ErrUnauthorized means the upstream refused the credential (HTTP 401).
var ErrUnauthorized = errors.New("upstream refused the credential")

// Upstream is what a tool call gets to reach its provider: the API base URL
// (the provider's default or the configured override), the credential, and
// the HTTP client to use (with the gateway's timeouts).
type Upstream struct {
	BaseURL    string
	Credential secret.Value
	HTTP       *http.Client
	// MaxResultBytes bounds the text a tool returns; longer results are
	// truncated with a note saying so.
	MaxResultBytes int
}

// Tool is one operation a provider offers to the model.
type Tool struct {
	// Name is the provider-local name, e.g. "list_issues"; the gateway
	// exposes it as "<connection>_<name>".
	Name        string
	Description string
	// InputSchema is a JSON Schema object for the arguments.
	InputSchema json.RawMessage
	ReadOnly    bool
	Destructive bool
	// Call runs the tool. args is the JSON object the model sent. The
	// returned text is what the model sees. An error is shown to the model
	// as a tool error, so its message must say what went wrong without
	// any credential or raw HTTP headers.
	Call func(ctx context.Context, up Upstream, args json.RawMessage) (string, error)
}

// Provider describes one upstream service.
type Provider interface {
	// Name is the provider id used in `connect add <name>`.
	Name() string
	// AuthKinds lists the auth kinds the provider accepts.
	AuthKinds() []string
	// DefaultAPIURL is the API base URL when none is configured.
	DefaultAPIURL() string
	// Tools lists the provider's tools; the slice must not be modified.
	Tools() []Tool
	// Identify checks the credential against the provider's identity
	// endpoint and returns the account it belongs to.
	Identify(ctx context.Context, up Upstream) (account string, err error)
}
