package github

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/mcpgate/mcpgate/pkg/connector"
	"github.com/mcpgate/mcpgate/pkg/connector/toolkit"
	"github.com/mcpgate/mcpgate/pkg/secret"
)

const (
	// DefaultAPIURL is github.com's REST API.
	DefaultAPIURL = "https://api.github.com"
	apiVersion    = "2022-11-28"
	userAgent     = "mcpgate"
	// maxBody bounds what is read from GitHub so that a runaway or hostile
	// upstream cannot exhaust the gateway's memory.
	maxBody = 8 << 20
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
		return nil, errors.New("the GitHub API URL is not a valid http(s) URL; fix connectors.github.api_url")
	}
	tok := toolkit.AccessToken(up.Credential.Reveal())
	if tok == "" {
		return nil, errors.New("the GitHub connection has no token; reconnect it with `mcpgate connect`")
	}
	return &client{base: base, token: tok, secrets: secret.NewRedactor(secret.FromString(tok), up.Credential), http: toolkit.HTTPClient(up.HTTP)}, nil
}

// page is what a list response says about pagination.
type page struct {
	next int // the next page number, 0 when this is the last page
}

func (c *client) get(ctx context.Context, path string, q url.Values, out any) (page, error) {
	return c.do(ctx, http.MethodGet, path, q, nil, out)
}

func (c *client) post(ctx context.Context, path string, in, out any) error {
	_, err := c.do(ctx, http.MethodPost, path, nil, in, out)
	return err
}

// do sends one request. path is already escaped; out receives the decoded
// JSON body of a 2xx response, or is a *json.RawMessage to defer decoding.
func (c *client) do(ctx context.Context, method, path string, q url.Values, in, out any) (page, error) {
	raw, resp, err := c.send(ctx, method, path, q, in, jsonMedia)
	if err != nil {
		return page{}, err
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			return page{}, unexpected(resp)
		}
	}
	return page{next: nextPage(resp.Header.Get("Link"))}, nil
}

// raw GETs path with the raw media type and returns the body: a file's
// bytes from the contents API, which files over 1 MB need.
func (c *client) raw(ctx context.Context, path string, q url.Values) ([]byte, error) {
	raw, _, err := c.send(ctx, http.MethodGet, path, q, nil, rawMedia)
	return raw, err
}

// Media types: GitHub's JSON, and the raw one that returns a file's bytes
// (https://docs.github.com/rest/repos/contents#get-repository-content).
const (
	jsonMedia = "application/vnd.github+json"
	rawMedia  = "application/vnd.github.raw+json"
)

// send makes one request and returns the body of a 2xx response, read
// with a bound; any other status becomes an error.
func (c *client) send(ctx context.Context, method, path string, q url.Values, in any, accept string) ([]byte, *http.Response, error) {
	target := c.base + path
	if len(q) > 0 {
		target += "?" + q.Encode()
	}
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return nil, nil, fmt.Errorf("encode request: %w", err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, target, body)
	if err != nil {
		return nil, nil, errors.New("build request: the GitHub API URL or an argument makes an invalid URL")
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Accept", accept)
	req.Header.Set("X-GitHub-Api-Version", apiVersion)
	req.Header.Set("User-Agent", userAgent)
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}

	resp, err := c.http.Do(req)
	if err != nil {
		return nil, nil, transportError(ctx, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return nil, nil, transportError(ctx, err)
	}
	if len(raw) > maxBody {
		return nil, nil, fmt.Errorf("the response from GitHub is larger than %d MiB; ask for less (a smaller per_page or a narrower query)", maxBody>>20)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, nil, statusError(method, path, resp, raw)
	}
	return raw, resp, nil
}

// nextPage reads the page number of rel="next" from a Link header such as
// `<https://api.github.com/user/repos?page=2>; rel="next", <…>; rel="last"`.
func nextPage(link string) int {
	for _, part := range strings.Split(link, ",") {
		target, params, ok := strings.Cut(part, ";")
		if !ok || !strings.Contains(params, `rel="next"`) {
			continue
		}
		target = strings.Trim(strings.TrimSpace(target), "<>")
		u, err := url.Parse(target)
		if err != nil {
			return 0
		}
		n, _ := strconv.Atoi(u.Query().Get("page"))
		return n
	}
	return 0
}
