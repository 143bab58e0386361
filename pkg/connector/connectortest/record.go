package connectortest

import (
	"bytes"
	"io"
	"mime"
	"net/http"
	"net/url"
	"sync"

	"github.com/mcpgate/mcpgate/pkg/connector"
)

// Exchange is one request a connector sent and the answer it got, as a
// Recorder saw them on the wire.
type Exchange struct {
	Method string
	URL    *url.URL
	Header http.Header
	Body   []byte
	// Status and RespHeader/RespBody are the answer; Status is 0 when the
	// request failed before one came. The body of an event stream
	// (text/event-stream) is not recorded.
	Status     int
	RespHeader http.Header
	RespBody   []byte
}

// Form is the exchange's parameters: the query, and an
// application/x-www-form-urlencoded body on top of it.
func (e Exchange) Form() url.Values {
	q := e.URL.Query()
	if mt, _, _ := mime.ParseMediaType(e.Header.Get("Content-Type")); len(e.Body) > 0 && mt == "application/x-www-form-urlencoded" {
		body, _ := url.ParseQuery(string(e.Body))
		for k, v := range body {
			q[k] = append(q[k], v...)
		}
	}
	return q
}

// Recorder is an http.RoundTripper that keeps every exchange that passes
// through it, so a contract test checks each request a tool makes without
// listing them by hand. It is safe for concurrent use.
type Recorder struct {
	// Next sends the request; nil is http.DefaultTransport.
	Next http.RoundTripper

	mu        sync.Mutex
	exchanges []Exchange
}

// RoundTrip implements http.RoundTripper.
func (r *Recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	ex := Exchange{Method: req.Method, URL: req.URL, Header: req.Header.Clone()}
	if req.Body != nil {
		b, err := io.ReadAll(req.Body)
		_ = req.Body.Close()
		if err != nil {
			return nil, err
		}
		ex.Body = b
		req.Body = io.NopCloser(bytes.NewReader(b))
	}
	next := r.Next
	if next == nil {
		next = http.DefaultTransport
	}
	resp, err := next.RoundTrip(req)
	if err == nil && isStream(resp) {
		// An event stream may stay open for the session's life: its
		// body is left to the caller, unrecorded.
		ex.Status, ex.RespHeader = resp.StatusCode, resp.Header.Clone()
	} else if err == nil {
		b, rerr := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		resp.Body = io.NopCloser(bytes.NewReader(b))
		if rerr != nil {
			return nil, rerr
		}
		ex.Status, ex.RespHeader, ex.RespBody = resp.StatusCode, resp.Header.Clone(), b
	}
	r.mu.Lock()
	r.exchanges = append(r.exchanges, ex)
	r.mu.Unlock()
	return resp, err
}

func isStream(resp *http.Response) bool {
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	return mt == "text/event-stream"
}

// Exchanges returns what was recorded so far, oldest first.
func (r *Recorder) Exchanges() []Exchange {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Exchange(nil), r.exchanges...)
}

// Record makes up send through a new Recorder, which it returns.
func Record(up *connector.Upstream) *Recorder {
	rec := &Recorder{}
	if up.HTTP != nil && up.HTTP.Transport != nil {
		rec.Next = up.HTTP.Transport
	}
	hc := &http.Client{Transport: rec}
	if up.HTTP != nil {
		hc.Timeout, hc.CheckRedirect, hc.Jar = up.HTTP.Timeout, up.HTTP.CheckRedirect, up.HTTP.Jar
	}
	up.HTTP = hc
	return rec
}
