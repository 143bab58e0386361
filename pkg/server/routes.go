package server

import (
	"net"
	"net/http"
)

// gatewayHandler serves the main listener, bound at addr.
func (s *Server) gatewayHandler(addr net.Addr) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/mcp", s.o.MCP)
	// /mcp/<connection>: one MCP connection alone (see package gateway).
	mux.Handle("/mcp/{connection}", s.o.MCP)
	for pattern, h := range s.o.Routes {
		mux.Handle(pattern, h)
	}
	mux.HandleFunc("GET /healthz", healthz)
	mux.HandleFunc("GET /readyz", s.readyz)
	var h http.Handler = mux
	h = gatewayCheck(s.o.Config, addr, s.tls != nil).wrap(h)
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
