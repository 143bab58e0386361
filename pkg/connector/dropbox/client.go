package dropbox

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/mcpgate/mcpgate/pkg/connector"
	"github.com/mcpgate/mcpgate/pkg/connector/toolkit"
	"github.com/mcpgate/mcpgate/pkg/secret"
)

const (
	userAgent = "mcpgate"
	// maxBody bounds what is read from Dropbox so that a runaway or
	// hostile upstream cannot exhaust the gateway's memory.
	maxBody = 8 << 20
	apiHost = "api.dropboxapi.com"
	// contentHost serves files/download and files/upload.
	contentHost = "content.dropboxapi.com"
)

// ContentURL derives the content base (files/download, files/upload) from
// an API base: https://api.dropboxapi.com/2 gives
// https://content.dropboxapi.com/2. Any other base — a loopback fake or a
// proxy — is returned unchanged, so it must serve the content routes too.
func ContentURL(apiBase string) string {
	u, err := url.Parse(apiBase)
	if err != nil || !strings.EqualFold(u.Hostname(), apiHost) {
		return apiBase
	}
	port := u.Port()
	u.Host = contentHost
	if port != "" {
		u.Host = net.JoinHostPort(contentHost, port)
	}
	return u.String()
}

// client makes requests for one tool call with one credential.
type client struct {
	api, content string // bases without a trailing slash
	token        string
	secrets      *secret.Redactor // the token and the credential it came from
	http         *http.Client
	maxResult    int
}

func newClient(up connector.Upstream) (*client, error) {
	base, ok := toolkit.APIBase(up.BaseURL, DefaultAPIURL)
	if !ok {
		return nil, errors.New("the Dropbox API URL is not a valid http(s) URL; fix connectors.dropbox.api_url")
	}
	tok := strings.TrimSpace(up.Credential.Reveal())
	if tok == "" {
		return nil, errors.New("the Dropbox connection has no token; reconnect it with `mcpgate connect add dropbox`")
	}
	if strings.ContainsFunc(tok, toolkit.IsSpaceOrControl) {
		return nil, errors.New("the Dropbox connection's credential is not a single token; reconnect it with `mcpgate connect add dropbox`")
	}
	maxResult := up.MaxResultBytes
	if maxResult <= 0 {
		maxResult = connector.DefaultMaxResultBytes
	}
	return &client{api: base, content: ContentURL(base), token: tok, secrets: secret.NewRedactor(secret.FromString(tok), up.Credential), http: toolkit.HTTPClient(up.HTTP), maxResult: maxResult}, nil
}

// rpc calls an RPC route with in as its JSON body (nil sends "null", as
// routes without arguments expect) and decodes the answer into out.
func (c *client) rpc(ctx context.Context, route string, in, out any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return fmt.Errorf("encode request: %w", err)
	}
	req, err := c.request(ctx, c.api, route, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.send(ctx, req, route)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, err := readBody(ctx, resp.Body, maxBody)
	if err != nil {
		return err
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			return unexpected(resp)
		}
	}
	return nil
}

// download fetches the first limit bytes of a file and its metadata (from
// the Dropbox-API-Result header), leaving the rest unread.
func (c *client) download(ctx context.Context, path string, limit int) (meta metadata, data []byte, err error) {
	arg, err := headerJSON(map[string]string{"path": path})
	if err != nil {
		return meta, nil, err
	}
	req, err := c.request(ctx, c.content, "files/download", nil)
	if err != nil {
		return meta, nil, err
	}
	req.Header.Set("Dropbox-API-Arg", arg)
	resp, err := c.send(ctx, req, "files/download")
	if err != nil {
		return meta, nil, err
	}
	defer resp.Body.Close()
	if err := json.Unmarshal([]byte(resp.Header.Get("Dropbox-API-Result")), &meta); err != nil {
		return meta, nil, unexpected(resp)
	}
	data, err = io.ReadAll(io.LimitReader(resp.Body, int64(limit)))
	if err != nil {
		return meta, nil, transportError(ctx, err)
	}
	return meta, data, nil
}

// upload sends data to files/upload with arg in the Dropbox-API-Arg header.
func (c *client) upload(ctx context.Context, arg uploadArg, data []byte, out any) error {
	h, err := headerJSON(arg)
	if err != nil {
		return err
	}
	req, err := c.request(ctx, c.content, "files/upload", bytes.NewReader(data))
	if err != nil {
		return err
	}
	req.Header.Set("Dropbox-API-Arg", h)
	req.Header.Set("Content-Type", "application/octet-stream")
	resp, err := c.send(ctx, req, "files/upload")
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, err := readBody(ctx, resp.Body, maxBody)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return unexpected(resp)
	}
	return nil
}

func (c *client) request(ctx context.Context, base, route string, body io.Reader) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/"+route, body)
	if err != nil {
		return nil, errors.New("build request: the Dropbox API URL makes an invalid URL; fix connectors.dropbox.api_url")
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("User-Agent", userAgent)
	return req, nil
}

// send does the request and turns every answer but 200 into an error, so
// callers only see successful responses (whose body they must close).
func (c *client) send(ctx context.Context, req *http.Request, route string) (*http.Response, error) {
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, transportError(ctx, err)
	}
	if resp.StatusCode == http.StatusOK {
		return resp, nil
	}
	defer resp.Body.Close()
	raw, err := readBody(ctx, resp.Body, 64<<10)
	if err != nil && len(raw) == 0 {
		return nil, err
	}
	return nil, statusError(route, resp, raw)
}

func readBody(ctx context.Context, r io.Reader, limit int) ([]byte, error) {
	raw, err := io.ReadAll(io.LimitReader(r, int64(limit)+1))
	if err != nil {
		return nil, transportError(ctx, err)
	}
	if len(raw) > limit {
		return raw[:limit], &callError{msg: fmt.Sprintf("the answer from Dropbox is larger than %d KiB; ask for less (a smaller limit)", limit>>10)}
	}
	return raw, nil
}
