package fakekit

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
)

// Base is the scaffolding of a fake server. Embed it in the fake's Server
// and call Start from its constructor. Its methods are safe for concurrent
// use.
type Base struct {
	srv       *httptest.Server
	requests  atomic.Int64
	oversized atomic.Int64 // the most bytes one Oversized answer wrote
	closing   chan struct{}
	closeOnce sync.Once

	mu          sync.Mutex
	failure     Failure
	failLeft    int // < 0: until FailNext(None, 0)
	lastHeaders http.Header
}

// FailureWriter answers a request with the provider's own response to a
// ServerError, RateLimit or EchoToken failure.
type FailureWriter func(w http.ResponseWriter, r *http.Request, f Failure)

// Start serves h on a new loopback server and returns the server's root
// URL. Every request is counted and its headers kept first, so tests see
// refused and failed requests too; then a pending failure is answered
// before h sees the request: Hang and Garbage here, the others by fail.
func (b *Base) Start(h http.Handler, fail FailureWriter) string {
	b.closing = make(chan struct{})
	b.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b.requests.Add(1)
		b.mu.Lock()
		b.lastHeaders = r.Header.Clone()
		b.mu.Unlock()
		switch f := b.take(); f {
		case None:
			h.ServeHTTP(w, r)
		case Hang:
			select {
			case <-r.Context().Done():
			case <-b.closing:
			}
		case Garbage:
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.WriteHeader(http.StatusOK)
			_, _ = io.WriteString(w, "<html><body><h1>Welcome to Hotel Wi-Fi</h1>Please log in.</body></html>")
		case Oversized:
			b.writeOversized(w)
		default:
			fail(w, r, f)
		}
	}))
	return b.srv.URL
}

// Close releases hanging requests and shuts the server down. It is safe to
// call more than once.
func (b *Base) Close() {
	b.closeOnce.Do(func() {
		close(b.closing)
		b.srv.Close()
	})
}

// writeOversized streams a JSON string of OversizedBytes until it is all
// sent or a write fails, keeping the most bytes one answer has sent so
// far up to date as it goes, so that a test reads it as soon as its
// client is done.
func (b *Base) writeOversized(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	chunk := bytes.Repeat([]byte("a"), 64<<10)
	sent, _ := io.WriteString(w, `{"data":"`)
	for sent < OversizedBytes {
		n, err := w.Write(chunk)
		sent += n
		storeMax(&b.oversized, int64(sent))
		if err != nil {
			return
		}
	}
}

// storeMax raises v to n if n is larger.
func storeMax(v *atomic.Int64, n int64) {
	for {
		cur := v.Load()
		if n <= cur || v.CompareAndSwap(cur, n) {
			return
		}
	}
}

// OversizedSent reports the most bytes one Oversized answer wrote before
// the client stopped reading (or all of them).
func (b *Base) OversizedSent() int64 { return b.oversized.Load() }

// Requests reports how many HTTP requests the fake has received, including
// refused and failed ones.
func (b *Base) Requests() int64 { return b.requests.Load() }

// LastHeaders returns a copy of the headers of the most recent request.
func (b *Base) LastHeaders() http.Header {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.lastHeaders.Clone()
}

// Client returns an HTTP client for the fake (no timeout of its own).
func (b *Base) Client() *http.Client { return b.srv.Client() }
