package fakekit_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/mcpgate/mcpgate/pkg/connector/fakekit"
)

// TestReverseProxyStreamsWhileTheBodyIsForwarded has the upstream answer
// before it reads the request body, and the client send the body's end
// only after it saw that answer: a proxy that is not full duplex stops
// forwarding the body (or the answer) the moment it writes the response
// headers, and the exchange never completes.
func TestReverseProxyStreamsWhileTheBodyIsForwarded(t *testing.T) {
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		if err := rc.EnableFullDuplex(); err != nil {
			t.Error(err)
			return
		}
		w.Header().Set("Content-Type", "text/event-stream")
		io.WriteString(w, "data: ready\n\n")
		rc.Flush()
		body, err := io.ReadAll(r.Body)
		if err != nil {
			t.Errorf("upstream read the body: %v", err)
			return
		}
		io.WriteString(w, "data: "+string(body)+"\n\n")
	}))
	target, _ := url.Parse(upstream.URL)
	proxy := httptest.NewServer(fakekit.ReverseProxy(target))

	// A proxy that is not full duplex leaves both servers waiting on the
	// exchange, so it runs aside and the test gives up on it.
	done := make(chan error, 1)
	go func() { done <- exchange(proxy.URL) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
		proxy.Close()
		upstream.Close()
	case <-time.After(5 * time.Second):
		t.Fatal("the exchange through the proxy did not complete in 5 s")
	}
}

// exchange sends "first," then, once the first event arrived, "second",
// and wants the upstream's echo of both.
func exchange(proxyURL string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	pr, pw := io.Pipe()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, proxyURL, pr)
	req.ContentLength = int64(len("first,second"))
	go io.WriteString(pw, "first,")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	events := bufio.NewReader(resp.Body)
	line, err := events.ReadString('\n')
	if got, want := strings.TrimSpace(line), "data: ready"; err != nil || got != want {
		return fmt.Errorf("first event: got %q (%v), want %q", got, err, want)
	}
	go func() {
		io.WriteString(pw, "second")
		pw.Close()
	}()
	rest, err := io.ReadAll(events)
	if got, want := strings.TrimSpace(string(rest)), "data: first,second"; err != nil || got != want {
		return fmt.Errorf("second event: got %q (%v), want %q", got, err, want)
	}
	return nil
}
