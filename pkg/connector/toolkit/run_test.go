package toolkit_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/mcpgate/mcpgate/pkg/connector"
	"github.com/mcpgate/mcpgate/pkg/connector/toolkit"
	"github.com/mcpgate/mcpgate/pkg/secret"
)

// client is the smallest toolkit.Client: it knows one token.
type client struct{ token string }

func (c client) Redact(s string) string {
	out, _ := secret.NewRedactor(secret.FromString(c.token)).Redact(s)
	return out
}

func (c client) Scrub(err error) error {
	return secret.NewRedactor(secret.FromString(c.token)).Scrub(err)
}

func open(up connector.Upstream) (client, error) {
	if up.BaseURL == "" {
		return client{}, errors.New("no base URL")
	}
	return client{token: "s3cr3t"}, nil
}

func TestRunScrubsAndBoundsWhatAToolReturns(t *testing.T) {
	t.Parallel()
	up := connector.Upstream{BaseURL: "https://example.com", MaxResultBytes: 40}
	echo := toolkit.Run(open, func(_ context.Context, _ client, args json.RawMessage) (string, error) {
		return "the token is s3cr3t; " + strings.Repeat("x", 100), nil
	})
	got, err := echo(context.Background(), up, nil)
	if err != nil || !strings.HasPrefix(got, "the token is [redacted]; xxx") || !strings.Contains(got, "[truncated: ") {
		t.Errorf("result = %q, %v; want it redacted and truncated", got, err)
	}

	fail := toolkit.Run(open, func(context.Context, client, json.RawMessage) (string, error) {
		return "partial", errors.New("upstream said s3cr3t")
	})
	got, err = fail(context.Background(), up, nil)
	if got != "" || err == nil || err.Error() != "upstream said [redacted]" {
		t.Errorf("failure = %q, %v; want no result and a scrubbed error", got, err)
	}

	_, err = echo(context.Background(), connector.Upstream{}, nil)
	if err == nil || err.Error() != "no base URL" {
		t.Errorf("open failure = %v, want it returned as is", err)
	}
}
