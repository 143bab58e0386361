package toolkit

import (
	"context"
	"encoding/json"

	"github.com/mcpgate/mcpgate/pkg/connector"
)

// Client is a connector's client for one tool call. It holds the
// credential, so it is what knows how to keep it out of what the model
// sees.
type Client interface {
	// Redact removes the credential from text bound for the model.
	Redact(s string) string
	// Scrub returns err unchanged unless its text holds the credential;
	// then it returns an error without it that matches the same
	// sentinels. Scrub(nil) is nil.
	Scrub(err error) error
}

// Run adapts a tool body to connector.Tool.Call: open builds the call's
// client from the Upstream, body does the work. It is the one place a
// tool's result and error are scrubbed of the credential and the result is
// bounded to Upstream.MaxResultBytes, so that no tool can forget either.
// An error from open is returned as is: it is about configuration and
// holds no credential.
func Run[C Client](open func(connector.Upstream) (C, error), body func(context.Context, C, json.RawMessage) (string, error)) func(context.Context, connector.Upstream, json.RawMessage) (string, error) {
	return func(ctx context.Context, up connector.Upstream, args json.RawMessage) (string, error) {
		c, err := open(up)
		if err != nil {
			return "", err
		}
		out, err := body(ctx, c, args)
		if err != nil {
			return "", c.Scrub(err)
		}
		return connector.Truncate(c.Redact(out), up.MaxResultBytes), nil
	}
}
