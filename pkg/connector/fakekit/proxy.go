package fakekit

import (
	"net/http"
	"net/http/httputil"
	"net/url"
)

// ReverseProxy forwards every request to target, as a gateway in front of
// a streaming server (an MCP server's SSE answers) does. It runs each
// exchange full duplex: Go's HTTP/1 server otherwise closes a request
// body the handler has not read to its end as soon as the handler writes
// its response headers, and the proxy's transport, still forwarding the
// body (it reads once more after the last byte to see its end), then
// fails, closes the upstream connection and cuts the response it was
// streaming mid-event.
func ReverseProxy(target *url.URL) http.Handler {
	rp := httputil.NewSingleHostReverseProxy(target)
	rp.FlushInterval = -1
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := http.NewResponseController(w).EnableFullDuplex(); err != nil {
			http.Error(w, "the proxy cannot stream: "+err.Error(), http.StatusInternalServerError)
			return
		}
		rp.ServeHTTP(w, r)
	})
}
