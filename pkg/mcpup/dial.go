package mcpup

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mcpgate/mcpgate/pkg/tracing"
)

// ErrRefused means the remote server refused the connection's credential
// (HTTP 401 or 403).
var ErrRefused = errors.New("the MCP server refused the credential")

// ErrTooLarge means the server sent a message over mcp.max_message_bytes.
var ErrTooLarge = errors.New("the MCP server sent a message larger than mcp.max_message_bytes")

// headerTransport is the only way a request reaches a remote server: it
// sets the connection's header (the one credential it may carry; nothing
// of the client's own request is forwarded), remembers the last refusal,
// and bounds each response body.
type headerTransport struct {
	base     http.RoundTripper
	name     string
	value    string
	maxBody  int64
	over     func()       // a response went over maxBody
	refused  atomic.Int32 // last 401/403 status seen
	askOAuth atomic.Bool  // a 401 named protected-resource metadata
}

func (t *headerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	if t.name != "" {
		r.Header.Set(t.name, t.value)
	}
	resp, err := t.base.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden {
		t.refused.Store(int32(resp.StatusCode))
		t.askOAuth.Store(strings.Contains(resp.Header.Get("WWW-Authenticate"), "resource_metadata"))
	}
	// The challenge may quote what was sent; nothing above needs it.
	resp.Header.Del("WWW-Authenticate")
	// A POST's response carries the answers to one request; the GET
	// stream of the old SSE transport is bounded per event instead.
	if r.Method == http.MethodPost && t.maxBody > 0 {
		resp.Body = &limitedBody{rc: resp.Body, left: t.maxBody, over: t.over}
	}
	return resp, nil
}

type limitedBody struct {
	rc   io.ReadCloser
	left int64
	over func()
}

func (b *limitedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		if b.over != nil {
			b.over()
			b.over = nil
		}
		return 0, ErrTooLarge
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.rc.Read(p)
	b.left -= int64(n)
	return n, err
}

func (b *limitedBody) Close() error { return b.rc.Close() }

// httpClient is a remote connection's client: no redirects (a header must
// not follow one to another host), no overall timeout (the SSE transport
// keeps a stream open), bounded waits for headers.
func newHTTPClient(ht *headerTransport) *http.Client {
	return &http.Client{
		Transport: ht,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return errors.New("the MCP server answered with a redirect; give its final URL with --url")
		},
	}
}

func baseTransport(timeout time.Duration) http.RoundTripper {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.ResponseHeaderTimeout = timeout
	t.Proxy = nil
	// Concurrent calls of a user share the session: keep their
	// connections instead of opening one per call.
	t.MaxIdleConnsPerHost = 64
	return t
}

// dialRemote connects over Streamable HTTP and, when the server does not
// speak it (as official clients do), over the older HTTP+SSE transport.
func dialRemote(ctx context.Context, client *mcp.Client, so *mcp.ClientSessionOptions, c Config, s Secrets, auth func(http.RoundTripper) http.RoundTripper, o Options, over func()) (*mcp.ClientSession, error) {
	base := o.transport()
	if o.Tracer != nil {
		// Under the credential's transport: each attempt (a retry after
		// a token refresh too) is a span of its own.
		base = tracing.Transport(base, o.Tracer)
	}
	ht := &headerTransport{base: base, name: c.Header, value: s.Header, maxBody: int64(o.MaxMessageBytes), over: over}
	if auth != nil {
		ht.base, ht.name, ht.value = auth(ht.base), "", ""
	}
	hc := newHTTPClient(ht)
	cs, err := client.Connect(ctx, &mcp.StreamableClientTransport{
		Endpoint: c.URL, HTTPClient: hc, MaxRetries: -1, DisableStandaloneSSE: so == nil, MaxEventSize: o.MaxMessageBytes,
	}, so)
	if err == nil {
		return cs, nil
	}
	if refused := refusal(ht); refused != nil {
		return nil, refused
	}
	if ctx.Err() != nil {
		return nil, fmt.Errorf("connect to %s: %w", c.URL, ctx.Err())
	}
	cs, err2 := client.Connect(ctx, &mcp.SSEClientTransport{Endpoint: c.URL, HTTPClient: hc, MaxEventSize: o.MaxMessageBytes}, so)
	if err2 == nil {
		return cs, nil
	}
	if refused := refusal(ht); refused != nil {
		return nil, refused
	}
	return nil, fmt.Errorf("connect to %s over Streamable HTTP (%w) or HTTP+SSE (%w)", c.URL, err, err2)
}

func refusal(ht *headerTransport) error {
	code := ht.refused.Load()
	if code == 0 {
		return nil
	}
	if ht.askOAuth.Load() {
		return fmt.Errorf("%w (HTTP %d); it asks for OAuth", ErrRefused, code)
	}
	return fmt.Errorf("%w (HTTP %d)", ErrRefused, code)
}
