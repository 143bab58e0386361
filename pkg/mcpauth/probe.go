package mcpauth

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// initialize is the first request an MCP client sends; the probe sends it
// without a token to learn whether the server wants one.
const initialize = `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"mcpgate","version":"probe"}}}`

// Probe asks the MCP server at serverURL to initialize without a token.
// It returns the Bearer challenge and true if the server answers 401;
// false if it answers anything else (it needs no OAuth).
func Probe(ctx context.Context, serverURL string, o Options) (Challenge, bool, error) {
	if _, err := checkURL("the MCP server URL", serverURL, o.AllowLoopbackHTTP); err != nil {
		return Challenge{}, false, err
	}
	ctx, cancel := context.WithTimeout(ctx, o.timeout())
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, serverURL, strings.NewReader(initialize))
	if err != nil {
		return Challenge{}, false, fmt.Errorf("reach the MCP server: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	res, err := noRedirects(o.client()).Do(req)
	if err != nil {
		return Challenge{}, false, fmt.Errorf("reach the MCP server at %s: %s", serverURL, describeTransport(err))
	}
	defer res.Body.Close()
	io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
	if res.StatusCode != http.StatusUnauthorized {
		return Challenge{}, false, nil
	}
	ch, _ := ParseChallenge(res.Header)
	return ch, true, nil
}
