package mcpproxy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mcpgate/mcpgate/pkg/connector"
	"github.com/mcpgate/mcpgate/pkg/mcpup"
	"github.com/mcpgate/mcpgate/pkg/secret"
)

// Remote runs the tools of a remote MCP server the way a connector runs
// its own: each call reads the server's URL from Upstream.BaseURL, sends
// Upstream.Credential in the header Header, and reaches the server
// through Upstream.HTTP's transport. Every call opens its own mcpup
// session (connect, list tools, check the pin, call, close), so a call
// refused for its arguments sends nothing.
type Remote struct {
	// Name is the connection's name, for messages.
	Name string
	// Header names the header that carries the credential.
	Header string
	// Log receives the session's log lines; nil discards them.
	Log *slog.Logger
}

// Tools binds each pin to r.
func (r Remote) Tools(pins []mcpup.Pin) []connector.Tool {
	out := make([]connector.Tool, 0, len(pins))
	for _, p := range pins {
		t := Tool(p)
		t.Prepare = func(raw json.RawMessage) (connector.Prepared, error) {
			prep, err := decodeArgs(raw)
			if err != nil {
				return prep, err
			}
			prep.Run = func(ctx context.Context, up connector.Upstream) (string, error) {
				return r.call(ctx, up, p, prep.Args)
			}
			return prep, nil
		}
		out = append(out, t)
	}
	return out
}

// call runs one call in a session of its own. A refused credential is
// connector.ErrUnauthorized and a canceled call context.Canceled, as a
// built-in connector's are; no error or result holds the credential.
func (r Remote) call(ctx context.Context, up connector.Upstream, p mcpup.Pin, args map[string]any) (string, error) {
	o := mcpup.Options{Logger: r.Log}
	if up.HTTP != nil {
		o.Transport, o.Timeout = up.HTTP.Transport, up.HTTP.Timeout
	}
	if o.Transport == nil {
		o.Transport = http.DefaultTransport
	}
	pool := mcpup.NewPool(o)
	defer pool.Close()
	red := secret.NewRedactor(up.Credential)
	fail := func(err error) (string, error) {
		msg, _ := red.Redact(err.Error())
		switch {
		case errors.Is(ctx.Err(), context.Canceled):
			return "", fmt.Errorf("the call to the MCP server of %q was canceled: %w", r.Name, context.Canceled)
		case errors.Is(err, mcpup.ErrRefused):
			return "", fmt.Errorf("%w: %s; reconnect it with `mcpgate connect add mcp --name %s`", connector.ErrUnauthorized, msg, r.Name)
		}
		return "", errors.New(msg)
	}
	sess, release, err := pool.Acquire(ctx, mcpup.Spec{
		UserID: "conformance", ConnID: r.Name, Name: r.Name, Version: time.Now().String(),
		Config:  mcpup.Config{URL: up.BaseURL, Header: r.Header},
		Secrets: mcpup.Secrets{Header: up.Credential.Reveal()},
	})
	if err != nil {
		return fail(err)
	}
	defer release()
	res, err := sess.CallTool(ctx, p.Name, p.Hash, args, nil)
	if err != nil {
		return fail(err)
	}
	text, err := resultText(res)
	text, _ = red.Redact(text)
	if err != nil {
		return "", errors.New(text)
	}
	return text, nil
}

// resultText is the result's text content, one block a line, with any
// other content as its JSON; err is set when the tool reported an error.
func resultText(res *mcp.CallToolResult) (string, error) {
	var b strings.Builder
	for _, c := range res.Content {
		if t, ok := c.(*mcp.TextContent); ok {
			b.WriteString(t.Text)
		} else if j, err := json.Marshal(c); err == nil {
			b.Write(j)
		}
		b.WriteByte('\n')
	}
	if res.IsError {
		return b.String(), errors.New("the MCP server reported an error")
	}
	return b.String(), nil
}
