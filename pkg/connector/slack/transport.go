package slack

import (
	"net/http"

	"github.com/mcpgate/mcpgate/pkg/connector"
)

// TokenTransport implements connector.TokenTransporter: token exchanges
// and refreshes go through TokenTransport, so Slack's errors read as
// standard OAuth ones (a dead refresh token as invalid_grant).
func (Provider) TokenTransport(base http.RoundTripper) http.RoundTripper {
	return TokenTransport{Base: base}
}

var _ connector.TokenTransporter = Provider{}
