package connector

import (
	"net/http"
	"time"
)

// NewHTTPClient is the HTTP client for upstream APIs, for tool calls and
// for the CLI's checks alike: bounded in time, keeping connections alive
// for the next call, and never following a redirect to another host with
// the credential.
func NewHTTPClient(timeout time.Duration) *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = 512
	t.MaxIdleConnsPerHost = 256
	t.ResponseHeaderTimeout = timeout
	return &http.Client{
		Timeout:   timeout,
		Transport: t,
		// An upstream redirect must not carry the credential elsewhere.
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) > 0 && req.URL.Host != via[0].URL.Host {
				return http.ErrUseLastResponse
			}
			if len(via) >= 5 {
				return http.ErrUseLastResponse
			}
			return nil
		},
	}
}
