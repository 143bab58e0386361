package google

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
	// DefaultAPIURL is Drive's root (/drive/v3, /upload/drive/v3), the
	// rootUrl of Drive's discovery document.
	DefaultAPIURL = "https://www.googleapis.com"
	// GmailURL is Gmail's root (/gmail/v1), the rootUrl of Gmail's
	// discovery document. Gmail calls go there while the API URL is
	// DefaultAPIURL; any other API URL (a proxy, a fake) serves both.
	GmailURL  = "https://gmail.googleapis.com"
	userAgent = "mcpgate"
	// maxJSON bounds a JSON response so that a runaway or hostile upstream
	// cannot exhaust the gateway's memory.
	maxJSON = 8 << 20
	// maxContent bounds a downloaded or exported file; Drive itself caps
	// exports at 10 MB.
	maxContent = 10 << 20
)

// client makes the requests of one tool call with one credential.
type client struct {
	base    string // scheme://host[/path] without a trailing slash
	gmail   string // the base for /gmail/ paths
	token   string
	secrets *secret.Redactor // the token and the credential it came from
	http    *http.Client
	// need names the scope the current tool requires, for the message
	// when Google answers 403 insufficient scopes.
	need string
	now  func() time.Time
}

func newClient(up connector.Upstream, need string) (*client, error) {
	base, ok := toolkit.APIBase(up.BaseURL, DefaultAPIURL)
	if !ok {
		return nil, errors.New("the Google API URL is not a valid http(s) URL; fix connectors.google.api_url")
	}
	tok := toolkit.AccessToken(up.Credential.Reveal())
	if tok == "" {
		return nil, errors.New("the Google connection has no access token; reconnect it with `mcpgate connect add google`")
	}
	now := up.Now
	if now == nil {
		now = time.Now
	}
	gmail := base
	if base == DefaultAPIURL {
		gmail = GmailURL
	}
	return &client{base: base, gmail: gmail, token: tok, secrets: secret.NewRedactor(secret.FromString(tok), up.Credential), http: toolkit.HTTPClient(up.HTTP), need: need, now: now}, nil
}

// request is one call to a Google API. path is already escaped.
type request struct {
	method      string
	path        string
	query       url.Values
	body        io.Reader
	contentType string
	limit       int64 // bytes of response body accepted; maxJSON when 0
}

// reply is a 2xx response, read in full.
type reply struct {
	body        []byte
	contentType string
}

func (c *client) getJSON(ctx context.Context, path string, q url.Values, out any) error {
	rep, err := c.do(ctx, request{method: http.MethodGet, path: path, query: q})
	if err != nil {
		return err
	}
	return decode(path, rep, out)
}

func (c *client) postJSON(ctx context.Context, path string, in, out any) error {
	b, err := json.Marshal(in)
	if err != nil {
		return fmt.Errorf("encode request: %w", err)
	}
	rep, err := c.do(ctx, request{method: http.MethodPost, path: path, body: bytes.NewReader(b), contentType: "application/json"})
	if err != nil {
		return err
	}
	return decode(path, rep, out)
}

func decode(path string, rep reply, out any) error {
	if json.Unmarshal(rep.body, out) != nil {
		return unexpected(apiName(path), http.StatusOK, rep.contentType)
	}
	return nil
}

// do sends one request and returns the body of a 2xx response; any other
// status becomes an error built by statusError.
func (c *client) do(ctx context.Context, r request) (reply, error) {
	api := apiName(r.path)
	target := c.base + r.path
	if api == "Gmail" {
		target = c.gmail + r.path
	}
	if len(r.query) > 0 {
		target += "?" + r.query.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, r.method, target, r.body)
	if err != nil {
		return reply{}, errors.New("build request: the Google API URL or an argument makes an invalid URL")
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", userAgent)
	if r.contentType != "" {
		req.Header.Set("Content-Type", r.contentType)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return reply{}, transportError(ctx, api, err)
	}
	defer resp.Body.Close()
	limit := r.limit
	if limit <= 0 {
		limit = maxJSON
	}
	raw, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return reply{}, transportError(ctx, api, err)
	}
	if int64(len(raw)) > limit {
		return reply{}, &callError{msg: fmt.Sprintf("the response from %s is larger than %d MiB; ask for less", api, limit>>20), kind: []error{ErrTooLarge}}
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return reply{}, statusError(api, c.need, resp, raw)
	}
	return reply{body: raw, contentType: resp.Header.Get("Content-Type")}, nil
}

// apiName names the API a path belongs to, for messages.
func apiName(path string) string {
	if strings.HasPrefix(path, "/gmail/") {
		return "Gmail"
	}
	return "Google Drive"
}
