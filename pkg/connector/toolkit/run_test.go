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

type echoArgs struct {
	Name  string   `json:"name"`
	Tags  []string `json:"tags"`
	N     int      `json:"n"`
	Flag  bool     `json:"flag"`
	Empty *string  `json:"empty"`
}

func (a *echoArgs) Normalise() error {
	a.Name = strings.TrimSpace(a.Name)
	if a.Name == "bad" {
		return errors.New("name must not be bad")
	}
	return nil
}

func TestPrepareScrubsButLeavesTruncationToTheGateway(t *testing.T) {
	t.Parallel()
	up := connector.Upstream{BaseURL: "https://example.com", MaxResultBytes: 40}
	echo := toolkit.Prepare(open, func(_ context.Context, _ client, a echoArgs) (string, error) {
		return "the token is s3cr3t; " + a.Name + strings.Repeat("x", 100), nil
	})
	p, err := echo(json.RawMessage(`{"name":" ada "}`))
	if err != nil {
		t.Fatal(err)
	}
	got, err := p.Run(context.Background(), up)
	if err != nil || got != "the token is [redacted]; ada"+strings.Repeat("x", 100) {
		t.Errorf("result = %q, %v; want it redacted, normalised and whole", got, err)
	}

	fail := toolkit.Prepare(open, func(context.Context, client, echoArgs) (string, error) {
		return "partial", errors.New("upstream said s3cr3t")
	})
	p, _ = fail(nil)
	got, err = p.Run(context.Background(), up)
	if got != "" || err == nil || err.Error() != "upstream said [redacted]" {
		t.Errorf("failure = %q, %v; want no result and a scrubbed error", got, err)
	}

	p, _ = echo(nil)
	_, err = p.Run(context.Background(), connector.Upstream{})
	if err == nil || err.Error() != "no base URL" {
		t.Errorf("open failure = %v, want it returned as is", err)
	}
}

func TestPrepareGivesTheCanonicalArguments(t *testing.T) {
	t.Parallel()
	body := func(context.Context, client, echoArgs) (string, error) { return "", nil }
	prep := toolkit.Prepare(open, body)
	tests := []struct{ name, raw, want, err string }{
		{"trimmed, zero values not sent left out, false kept", `{"name":"  ada "}`, `{"flag":false,"name":"ada"}`, ""},
		{"zero values sent are kept", `{"name":"","n":0,"tags":[]}`, `{"flag":false,"n":0,"name":"","tags":[]}`, ""},
		{"a set pointer is kept even when empty", `{"name":"a","empty":""}`, `{"empty":"","flag":false,"name":"a"}`, ""},
		{"lists and numbers", `{"name":"a","tags":["x"],"n":3,"flag":true}`, `{"flag":true,"n":3,"name":"a","tags":["x"]}`, ""},
		{"a name in another case is refused", `{"Name":"a"}`, ``, `unknown argument "Name"`},
		{"normalise refuses", `{"name":" bad"}`, ``, "name must not be bad"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := prep(json.RawMessage(tt.raw))
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Errorf("error = %v, want %q", err, tt.err)
				}
				return
			}
			got, _ := json.Marshal(p.Args)
			if err != nil || string(got) != tt.want {
				t.Errorf("Args = %s, %v; want %s", got, err, tt.want)
			}
		})
	}
}
