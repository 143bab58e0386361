package connector

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"time"

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
	// MaxResultBytes bounds how much of a download a tool reads; the
	// gateway, not the tool, truncates the result text.
	MaxResultBytes int
	// Now is the clock for what a request carries of the time (a mail's
	// Date header); nil is time.Now.
	Now func() time.Time
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
	// Content names the arguments that carry content (message text, file
	// contents, bodies) rather than say what the call touches. The audit
	// log keeps only their hash and length; every other argument is kept
	// in full, so a record always says which repository, channel, address
	// or file a call reached.
	Content []string
	// Prepare decodes the arguments (already checked against InputSchema
	// by connector.Prepare, which is how callers reach it), normalises
	// them and binds them to the call. It makes no request. Its error is
	// shown to the model and says what to change.
	Prepare func(raw json.RawMessage) (Prepared, error)
}

// Prepared is a call whose arguments are decoded and normalised: Args is
// the canonical value (what the guard evaluates and the audit records) and
// Run sends exactly that value upstream. The upstream request is a
// function of Args alone: preparing json(Args) again gives the same Args
// and the same request.
type Prepared struct {
	Args map[string]any
	// Run calls the upstream. The returned text is what the model sees
	// (the gateway bounds its size); an error is shown to the model as a
	// tool error, so its message carries no credential or raw headers.
	Run func(ctx context.Context, up Upstream) (string, error)
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
