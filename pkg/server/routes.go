package server

import (
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/mcpgate/mcpgate/pkg/config"
)

func (s *Server) gatewayHandler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/mcp", s.o.MCP)
	for pattern, h := range s.o.Routes {
		mux.Handle(pattern, h)
	}
	mux.HandleFunc("GET /healthz", healthz)
	mux.HandleFunc("GET /readyz", s.readyz)
	var h http.Handler = mux
	h = s.checkHostOrigin(h)
	h = securityHeaders(h, s.tls != nil)
	return h
}

func securityHeaders(next http.Handler, https bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Cache-Control", "no-store")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		if https {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		next.ServeHTTP(w, r)
	})
}

// checkHostOrigin refuses requests whose Host is not a name this gateway
// serves, and browser requests from another origin: together they stop
// DNS-rebinding and cross-site requests to /mcp, as the MCP transport
// specification asks.
func (s *Server) checkHostOrigin(next http.Handler) http.Handler {
	hosts := allowedHosts(s.o.Config)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host := hostOnly(r.Host)
		if !hosts[host] {
			http.Error(w, "forbidden: this gateway does not serve host "+quoteSafe(host)+" (set public_url or tls.domains)", http.StatusForbidden)
			return
		}
		if o := r.Header.Get("Origin"); o != "" {
			u, err := url.Parse(o)
			if err != nil || !hosts[hostOnly(u.Host)] {
				http.Error(w, "forbidden: cross-origin request", http.StatusForbidden)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// allowedHosts are the names a request may address: the public URL's,
// the TLS domains, the listen address, and loopback names when the
// listener is on loopback.
func allowedHosts(c *config.Config) map[string]bool {
	m := map[string]bool{}
	if c.PublicURL != "" {
		if u, err := url.Parse(c.PublicURL); err == nil {
			m[strings.ToLower(hostOnly(u.Host))] = true
		}
	}
	for _, d := range c.TLS.Domains {
		m[strings.ToLower(d)] = true
	}
	lh, _, _ := net.SplitHostPort(c.Listen)
	if lh != "" && lh != "0.0.0.0" && lh != "::" {
		m[lh] = true
	}
	if lh == "" || lh == "0.0.0.0" || lh == "::" || config.IsLoopback(lh) {
		for _, n := range []string{"localhost", "127.0.0.1", "::1"} {
			m[n] = true
		}
	}
	return m
}

func hostOnly(hostport string) string {
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		return strings.ToLower(h)
	}
	return strings.ToLower(strings.Trim(hostport, "[]"))
}

func quoteSafe(s string) string {
	if len(s) > 100 {
		s = s[:100]
	}
	return `"` + strings.Map(func(r rune) rune {
		if r < 0x20 || r == '"' || r > 0x7e {
			return '?'
		}
		return r
	}, s) + `"`
}
