package slack

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/mcpgate/mcpgate/pkg/connector"
	"github.com/mcpgate/mcpgate/pkg/connector/toolkit"
	"github.com/mcpgate/mcpgate/pkg/secret"
)

const (
	userAgent = "mcpgate"
	// maxBody bounds what is read from Slack so that a runaway or hostile
	// upstream cannot exhaust the gateway's memory.
	maxBody = 8 << 20
	// formType is what every read method accepts; chat.postMessage is sent
	// as JSON, which Slack wants labelled with its charset.
	formType = "application/x-www-form-urlencoded"
	jsonType = "application/json; charset=utf-8"
)

// client makes requests for one tool call with one credential.
type client struct {
	base    string // scheme://host[/path] without a trailing slash
	token   string
	secrets *secret.Redactor // the token and the credential it came from
	http    *http.Client
}

func newClient(up connector.Upstream) (*client, error) {
	base, ok := toolkit.APIBase(up.BaseURL, DefaultAPIURL)
	if !ok {
		return nil, errors.New("the Slack API URL is not a valid http(s) URL; fix connectors.slack.api_url")
	}
	tok := strings.TrimSpace(up.Credential.Reveal())
	if tok == "" {
		return nil, errors.New("the Slack connection has no token; reconnect it with `mcpgate connect add slack`")
	}
	if strings.ContainsFunc(tok, toolkit.IsSpaceOrControl) {
		return nil, errors.New("the Slack connection's credential is not a single token; reconnect it with `mcpgate connect add slack`")
	}
	return &client{base: base, token: tok, secrets: secret.NewRedactor(secret.FromString(tok), up.Credential), http: toolkit.HTTPClient(up.HTTP)}, nil
}

// envelope is what every Web API answer carries besides its payload.
type envelope struct {
	OK       *bool  `json:"ok"`
	Error    string `json:"error"`
	Needed   string `json:"needed"`
	Provided string `json:"provided"`
	Metadata struct {
		NextCursor string   `json:"next_cursor"`
		Messages   []string `json:"messages"`
	} `json:"response_metadata"`
}

// call invokes a read-style method with form parameters.
func (c *client) call(ctx context.Context, method string, form url.Values, out any) error {
	return c.do(ctx, method, formType, []byte(form.Encode()), out)
}

// callJSON invokes a method that takes a JSON body (chat.postMessage).
func (c *client) callJSON(ctx context.Context, method string, in, out any) error {
	b, err := json.Marshal(in)
	if err != nil {
		return fmt.Errorf("encode request: %w", err)
	}
	return c.do(ctx, method, jsonType, b, out)
}

// do posts one method call. out receives the decoded body of an ok answer.
func (c *client) do(ctx context.Context, method, contentType string, body []byte, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+"/"+method, bytes.NewReader(body))
	if err != nil {
		return errors.New("build request: the Slack API URL makes an invalid URL; fix connectors.slack.api_url")
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", userAgent)

	resp, err := c.http.Do(req)
	if err != nil {
		return transportError(ctx, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return transportError(ctx, err)
	}
	if len(raw) > maxBody {
		return &callError{msg: fmt.Sprintf("the answer from Slack is larger than %d MiB; ask for less (a smaller limit)", maxBody>>20)}
	}
	if resp.StatusCode == http.StatusTooManyRequests {
		return rateLimited(method, resp.Header, time.Now())
	}
	var env envelope
	if json.Unmarshal(raw, &env) != nil || env.OK == nil {
		return statusError(resp)
	}
	if !*env.OK {
		if resp.StatusCode == http.StatusUnauthorized && env.Error == "" {
			env.Error = "invalid_auth"
		}
		return apiError(method, env)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			return unexpected(resp)
		}
	}
	return nil
}
