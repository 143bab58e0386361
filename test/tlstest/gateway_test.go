package tlstest

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"log/slog"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mcpgate/mcpgate/pkg/apikey"
	"github.com/mcpgate/mcpgate/pkg/appliance"
	"github.com/mcpgate/mcpgate/pkg/config"
	"github.com/mcpgate/mcpgate/pkg/connector/github/githubfake"
	"github.com/mcpgate/mcpgate/pkg/secret"
)

// domain is the name the gateway serves; Pebble's DNS and the test
// clients resolve it to 127.0.0.1.
const domain = "mcpgate.test"

// instance is an initialised data dir with a GitHub connection (to a fake)
// and one app key, ready to serve.
type instance struct {
	Dir string
	Key string
	env []string
}

// newInstance runs init with the MCPGATE_* settings in env (on top of a
// temp data dir and loopback listeners), connects GitHub and creates a key.
func newInstance(ctx context.Context, t *testing.T, env ...string) *instance {
	t.Helper()
	gh := githubfake.New("ghp_TLSTESTtoken0000000000000000000000000")
	t.Cleanup(gh.Close)
	in := &instance{Dir: t.TempDir()}
	in.env = append([]string{
		"MCPGATE_DATA_DIR=" + in.Dir,
		"MCPGATE_LISTEN=127.0.0.1:0",
		"MCPGATE_ADMIN_LISTEN=127.0.0.1:0",
		"MCPGATE_CONNECTORS_GITHUB_API_URL=" + gh.URL,
		"MCPGATE_LOG_LEVEL=debug",
	}, env...)
	cfg, err := config.Load(config.Options{Env: in.env})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := appliance.Init(ctx, cfg, "owner"); err != nil {
		t.Fatal(err)
	}
	a, err := appliance.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	owner, err := a.ResolveUser(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.AddTokenConnection(ctx, owner, "github", "github", secret.FromString("ghp_TLSTESTtoken0000000000000000000000000")); err != nil {
		t.Fatal(err)
	}
	raw, _, err := a.CreateKey(ctx, owner, "tlstest", nil)
	if err != nil {
		t.Fatal(err)
	}
	in.Key = raw.Reveal()
	return in
}

// gateway is an instance serving in this process.
type gateway struct {
	Addr string // the gateway (HTTPS) listener
	HTTP string // the ACME/redirect listener, "" when there is none
	Logs *syncBuffer
	Stop func()
}

// serve starts the gateway as `mcpgate serve` would; Start obtains a
// certificate first in tls.mode auto. Stop (also run at cleanup) shuts it
// down and releases the data dir.
func (in *instance) serve(ctx context.Context, t *testing.T) *gateway {
	t.Helper()
	cfg, err := config.Load(config.Options{Env: in.env})
	if err != nil {
		t.Fatal(err)
	}
	a, err := appliance.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	g := &gateway{Logs: &syncBuffer{}}
	log := slog.New(slog.NewJSONHandler(apikey.NewRedactingWriter(g.Logs), &slog.HandlerOptions{Level: slog.LevelDebug}))
	s, err := a.NewServing(ctx, log, "tlstest")
	if err != nil {
		a.Close()
		t.Fatal(err)
	}
	stopped := false
	g.Stop = func() {
		if stopped {
			return
		}
		stopped = true
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := s.Server.Shutdown(sctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		s.Close()
		a.Close()
	}
	t.Cleanup(g.Stop)
	if err := s.Server.Start(ctx); err != nil {
		t.Fatalf("start: %v\nlogs:\n%s", err, g.Logs)
	}
	g.Addr, g.HTTP = s.Server.Addr("gateway"), s.Server.Addr("http")
	return g
}

// tlsConfig is a client's: it trusts roots, expects the certificate of
// domain, and speaks only the TLS versions from min to max.
func tlsConfig(roots *x509.CertPool, minV, maxV uint16) *tls.Config {
	return &tls.Config{RootCAs: roots, ServerName: domain, MinVersion: minV, MaxVersion: maxV}
}

// handshake opens a new TLS connection to addr and returns its state.
func handshake(ctx context.Context, addr string, c *tls.Config) (tls.ConnectionState, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	d := tls.Dialer{Config: c}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return tls.ConnectionState{}, err
	}
	defer conn.Close()
	return conn.(*tls.Conn).ConnectionState(), nil
}

// client sends every request to addr over TLS 1.3, whatever host the URL
// names, with the app key as bearer when key is not "".
func client(addr string, roots *x509.CertPool, key string) *http.Client {
	tr := &http.Transport{
		TLSClientConfig:   tlsConfig(roots, tls.VersionTLS13, 0),
		ForceAttemptHTTP2: true,
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, network, addr)
		},
	}
	return &http.Client{Timeout: 15 * time.Second, Transport: bearer{key: key, next: tr}}
}

type bearer struct {
	key  string
	next http.RoundTripper
}

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	if b.key != "" {
		r = r.Clone(r.Context())
		r.Header.Set("Authorization", "Bearer "+b.key)
	}
	return b.next.RoundTrip(r)
}

// listTools calls tools/list at https://mcpgate.test/mcp with the go-sdk
// client and returns the tool names.
func listTools(ctx context.Context, t *testing.T, hc *http.Client) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	c := mcp.NewClient(&mcp.Implementation{Name: "mcpgate-tlstest", Version: "1"}, nil)
	s, err := c.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: "https://" + domain + "/mcp", HTTPClient: hc}, nil)
	if err != nil {
		t.Fatalf("MCP connect over TLS: %v", err)
	}
	defer s.Close()
	res, err := s.ListTools(ctx, nil)
	if err != nil {
		t.Fatalf("tools/list over TLS: %v", err)
	}
	var names []string
	for _, tool := range res.Tools {
		names = append(names, tool.Name)
	}
	return names
}

// getHealthz GETs /healthz with hc and fails unless it answers 200.
func getHealthz(ctx context.Context, t *testing.T, hc *http.Client) {
	t.Helper()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "https://"+domain+"/healthz", nil)
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatalf("GET /healthz over TLS 1.3: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.TLS == nil || resp.TLS.Version != tls.VersionTLS13 {
		t.Fatalf("GET /healthz: status %d, TLS %+v; want 200 over TLS 1.3", resp.StatusCode, resp.TLS)
	}
}
