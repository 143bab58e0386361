package server

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/mcpgate/mcpgate/pkg/config"
)

func TestParseOrigin(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want string // want "" means refused
	}{
		{"http://localhost:8443", "http://localhost:8443"},
		{"HTTPS://MCP.Example.COM", "https://mcp.example.com:443"},
		{"http://127.0.0.1", "http://127.0.0.1:80"},
		{"http://[::1]:8443", "http://[::1]:8443"},
		{"https://mcp.example.com/", "https://mcp.example.com:443"},
		{"null", ""},
		{"", ""},
		{"file://", ""},
		{"chrome-extension://abcdef", ""},
		{"https://user@mcp.example.com", ""},
		{"https://mcp.example.com/path", ""},
		{"https://mcp.example.com?q=1", ""},
		{"https://mcp.example.com:44x3", ""},
		{"//mcp.example.com", ""},
	}
	for _, tt := range tests {
		got, ok := parseOrigin(tt.in)
		if !ok {
			got = ""
		}
		if got != tt.want {
			t.Errorf("parseOrigin(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// check runs one request with host and origin ("" for none) through hc.
func check(hc hostCheck, host, origin string) int {
	h := hc.wrap(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
	r := httptest.NewRequest(http.MethodPost, "/mcp", nil)
	r.Host = host
	if origin != "" {
		r.Header.Set("Origin", origin)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w.Code
}

func tcpAddr(s string) net.Addr { return net.TCPAddrFromAddrPort(netip.MustParseAddrPort(s)) }

func TestGatewayCheck(t *testing.T) {
	t.Parallel()
	const ok, no = http.StatusOK, http.StatusForbidden
	loopback := &config.Config{Listen: "127.0.0.1:8443"}
	public := &config.Config{Listen: "0.0.0.0:8080", PublicURL: "https://mcp.example.com/gw", BehindProxy: true}
	domains := &config.Config{Listen: "0.0.0.0:8443", TLS: config.TLS{Mode: "auto", Domains: []string{"MCP.example.com"}}}
	lan := &config.Config{Listen: "192.168.1.5:8443", TLS: config.TLS{Mode: "files"}}
	tests := []struct {
		name         string
		c            *config.Config
		bound        string
		https        bool
		host, origin string
		want         int
	}{
		{"loopback: no origin", loopback, "127.0.0.1:8443", false, "127.0.0.1:8443", "", ok},
		{"loopback: localhost origin on the listen port", loopback, "127.0.0.1:8443", false, "localhost:8443", "http://localhost:8443", ok},
		{"loopback: IPv6 loopback origin", loopback, "127.0.0.1:8443", false, "[::1]:8443", "http://[::1]:8443", ok},
		{"loopback: origin on another port", loopback, "127.0.0.1:8443", false, "localhost:8443", "http://localhost:9999", no},
		{"loopback: origin with the wrong scheme", loopback, "127.0.0.1:8443", false, "localhost:8443", "https://localhost:8443", no},
		{"loopback: origin on the default port", loopback, "127.0.0.1:8443", false, "localhost:8443", "http://localhost", no},
		{"loopback: the bound port, not the configured :0", &config.Config{Listen: "127.0.0.1:0"}, "127.0.0.1:40123", false, "127.0.0.1:40123", "http://127.0.0.1:40123", ok},
		{"loopback: foreign origin", loopback, "127.0.0.1:8443", false, "127.0.0.1:8443", "https://evil.example", no},
		{"loopback: null origin", loopback, "127.0.0.1:8443", false, "127.0.0.1:8443", "null", no},
		{"loopback: rebound host", loopback, "127.0.0.1:8443", false, "evil.example:8443", "", no},
		{"public_url: its host", public, "0.0.0.0:8080", false, "mcp.example.com", "", ok},
		{"public_url: its origin", public, "0.0.0.0:8080", false, "mcp.example.com", "https://mcp.example.com", ok},
		{"public_url: its origin, default port written", public, "0.0.0.0:8080", false, "mcp.example.com", "https://mcp.example.com:443", ok},
		{"public_url: plain http origin", public, "0.0.0.0:8080", false, "mcp.example.com", "http://mcp.example.com", no},
		{"public_url: another port", public, "0.0.0.0:8080", false, "mcp.example.com", "https://mcp.example.com:8443", no},
		{"public_url: wildcard listen serves loopback", public, "0.0.0.0:8080", false, "localhost:8080", "http://localhost:8080", ok},
		{"tls.domains: https on 443", domains, "0.0.0.0:8443", true, "mcp.example.com", "https://mcp.example.com", ok},
		{"tls.domains: https on the listen port", domains, "0.0.0.0:8443", true, "mcp.example.com:8443", "https://mcp.example.com:8443", ok},
		{"tls.domains: plain http", domains, "0.0.0.0:8443", true, "mcp.example.com", "http://mcp.example.com", no},
		{"tls.domains: loopback over https", domains, "0.0.0.0:8443", true, "localhost:8443", "https://localhost:8443", ok},
		{"tls.domains: loopback over http", domains, "0.0.0.0:8443", true, "localhost:8443", "http://localhost:8443", no},
		{"tls.domains: a subdomain", domains, "0.0.0.0:8443", true, "a.mcp.example.com", "", no},
		{"LAN address: its own origin", lan, "192.168.1.5:8443", true, "192.168.1.5:8443", "https://192.168.1.5:8443", ok},
		{"LAN address: loopback names are not served", lan, "192.168.1.5:8443", true, "localhost:8443", "", no},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			hc := gatewayCheck(tt.c, tcpAddr(tt.bound), tt.https)
			if got := check(hc, tt.host, tt.origin); got != tt.want {
				t.Errorf("Host %q, Origin %q: status %d, want %d", tt.host, tt.origin, got, tt.want)
			}
		})
	}
}

func TestAdminCheck(t *testing.T) {
	t.Parallel()
	const ok, no = http.StatusOK, http.StatusForbidden
	tests := []struct {
		name, listen, bound, host, origin string
		want                              int
	}{
		{"loopback: 127.0.0.1", "127.0.0.1:9090", "127.0.0.1:9090", "127.0.0.1:9090", "", ok},
		{"loopback: localhost", "127.0.0.1:9090", "127.0.0.1:9090", "localhost:9090", "", ok},
		{"loopback: ::1", "127.0.0.1:9090", "127.0.0.1:9090", "[::1]:9090", "", ok},
		{"loopback: a rebound name", "127.0.0.1:9090", "127.0.0.1:9090", "evil.example:9090", "", no},
		{"loopback: another IP", "127.0.0.1:9090", "127.0.0.1:9090", "192.0.2.1:9090", "", no},
		{"loopback: its own origin", "127.0.0.1:9090", "127.0.0.1:9090", "127.0.0.1:9090", "http://127.0.0.1:9090", ok},
		{"loopback: another origin", "127.0.0.1:9090", "127.0.0.1:9090", "127.0.0.1:9090", "http://127.0.0.1:8443", no},
		{"loopback: a foreign origin", "127.0.0.1:9090", "127.0.0.1:9090", "127.0.0.1:9090", "https://evil.example", no},
		{"specific address: itself", "10.1.2.3:9090", "10.1.2.3:9090", "10.1.2.3:9090", "", ok},
		{"specific address: a name", "10.1.2.3:9090", "10.1.2.3:9090", "metrics.example:9090", "", no},
		{"wildcard: any IP literal", "0.0.0.0:9090", "0.0.0.0:9090", "172.17.0.5:9090", "", ok},
		{"wildcard: an IPv6 literal", "[::]:9090", "[::]:9090", "[2001:db8::5]:9090", "", ok},
		{"wildcard: a name", "0.0.0.0:9090", "0.0.0.0:9090", "evil.example:9090", "", no},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := check(adminCheck(tt.listen, tcpAddr(tt.bound)), tt.host, tt.origin); got != tt.want {
				t.Errorf("Host %q, Origin %q: status %d, want %d", tt.host, tt.origin, got, tt.want)
			}
		})
	}
}

// TestListenersCheckHostAndOrigin starts the real listeners on loopback
// ports chosen by the kernel and checks both.
func TestListenersCheckHostAndOrigin(t *testing.T) {
	t.Parallel()
	c, err := config.Load(config.Options{Env: []string{
		"MCPGATE_DATA_DIR=" + t.TempDir(), "MCPGATE_LISTEN=127.0.0.1:0", "MCPGATE_ADMIN_LISTEN=127.0.0.1:0",
	}})
	if err != nil {
		t.Fatal(err)
	}
	s := New(Options{
		Config:   c,
		MCP:      http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) }),
		Registry: prometheus.NewRegistry(),
	})
	if err := s.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Shutdown(context.Background()) })
	gw, admin := s.Addr("gateway"), s.Addr("admin")
	_, gwPort, _ := net.SplitHostPort(gw)

	const ok, no = http.StatusOK, http.StatusForbidden
	tests := []struct {
		name, url, host, origin string
		want                    int
	}{
		{"admin: /metrics on loopback", "http://" + admin + "/metrics", "", "", ok},
		{"admin: /metrics for a rebound name", "http://" + admin + "/metrics", "rebind.evil.example", "", no},
		{"admin: /healthz for a rebound name", "http://" + admin + "/healthz", "rebind.evil.example", "", no},
		{"admin: /metrics from a foreign page", "http://" + admin + "/metrics", "", "https://evil.example", no},
		{"gateway: /mcp from its own origin", "http://" + gw + "/mcp", "", "http://localhost:" + gwPort, ok},
		{"gateway: /mcp from a loopback origin on another port", "http://" + gw + "/mcp", "", "http://localhost:9999", no},
		{"gateway: /mcp from https on its port", "http://" + gw + "/mcp", "", "https://localhost:" + gwPort, no},
		{"gateway: /mcp for a rebound name", "http://" + gw + "/mcp", "rebind.evil.example", "", no},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, tt.url, nil)
			if tt.host != "" {
				req.Host = tt.host
			}
			if tt.origin != "" {
				req.Header.Set("Origin", tt.origin)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.want {
				t.Errorf("status %d, want %d", resp.StatusCode, tt.want)
			}
		})
	}
}
