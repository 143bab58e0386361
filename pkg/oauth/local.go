package oauth

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/mcpgate/mcpgate/pkg/store"
)

// Local is the loopback listener of `connect add --local`: it receives
// the provider's redirect on 127.0.0.1 instead of serve. It answers only
// requests addressed to itself by a loopback name (a page elsewhere that
// a DNS name rebinds to 127.0.0.1 is refused), and only its own
// authorization: a request with another state or none, such as an <img>
// on some other site, gets 400 and does not end the wait.
type Local struct {
	ln   net.Listener
	port string
}

// ListenLocal listens on 127.0.0.1:port (0: any free port).
func ListenLocal(port int) (*Local, error) {
	ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		return nil, fmt.Errorf("listen for the callback on 127.0.0.1:%d: %w (choose another --local-port)", port, err)
	}
	_, p, _ := net.SplitHostPort(ln.Addr().String())
	return &Local{ln: ln, port: p}, nil
}

// RedirectURL is the callback URL to register with the provider.
func (l *Local) RedirectURL() string {
	return "http://127.0.0.1:" + l.port + CallbackPath
}

// Close stops listening; Wait closes it too.
func (l *Local) Close() error { return l.ln.Close() }

// Wait serves the callback of the authorization p until it ends (the
// person confirmed, cancelled or declined, or it failed), p expires, or
// ctx ends.
func (l *Local) Wait(ctx context.Context, f *Flow, p Pending) (store.Connection, error) {
	type result struct {
		conn store.Connection
		err  error
	}
	results := make(chan result, 1)
	cb := f.Callback(CallbackOptions{Only: p.StateHash, Done: func(c store.Connection, err error) {
		select {
		case results <- result{c, err}:
		default:
		}
	}})
	mux := http.NewServeMux()
	mux.Handle(CallbackPath, cb)
	srv := &http.Server{Handler: l.checkHost(mux), ReadHeaderTimeout: 10 * time.Second, MaxHeaderBytes: 16 << 10}
	go srv.Serve(l.ln)
	defer srv.Close()
	timer := time.NewTimer(time.Until(p.ExpiresAt.Add(ConfirmTTL)))
	defer timer.Stop()
	select {
	case r := <-results:
		// Let the browser receive its page before the listener closes.
		time.Sleep(100 * time.Millisecond)
		return r.conn, r.err
	case <-timer.C:
		return store.Connection{}, ErrExpiredState
	case <-ctx.Done():
		return store.Connection{}, errors.New("cancelled; nothing was connected")
	}
}

// checkHost refuses a request whose Host is not this listener's loopback
// address by name or number.
func (l *Local) checkHost(next http.Handler) http.Handler {
	ok := map[string]bool{"127.0.0.1:" + l.port: true, "localhost:" + l.port: true}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !ok[strings.ToLower(r.Host)] {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.WriteHeader(http.StatusMisdirectedRequest)
			fmt.Fprintln(w, "this listener only answers at 127.0.0.1:"+l.port+" or localhost:"+l.port)
			return
		}
		next.ServeHTTP(w, r)
	})
}
