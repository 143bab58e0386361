package mcpup

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"path/filepath"
	"sync"
	"time"

	"go.opentelemetry.io/otel/trace"

	"github.com/mcpgate/mcpgate/pkg/secret"
)

// Options configure a Pool.
type Options struct {
	// DataDir holds each command's home directory, under mcp/.
	DataDir         string
	Limits          Limits
	IdleTimeout     time.Duration
	MaxMessageBytes int
	// Timeout bounds connecting, listing tools and one call.
	Timeout time.Duration
	Logger  *slog.Logger
	Version string
	// Transport reaches remote servers; nil is a default transport.
	Transport http.RoundTripper
	// Tracer, if set, gives each request to a remote server made within
	// a recording span a client span and that span's traceparent header
	// (see tracing.Transport); nil when tracing is off.
	Tracer trace.Tracer
}

// connectTimeout bounds starting a server and listing its tools, which
// may take longer than a call (a large tool list, a cold package cache).
func (o Options) connectTimeout() time.Duration { return max(o.Timeout, time.Minute) }

func (o Options) transport() http.RoundTripper {
	if o.Transport != nil {
		return o.Transport
	}
	return baseTransport(o.Timeout)
}

// Spec is one connection as a session needs it.
type Spec struct {
	UserID, ConnID, Name string
	// Version changes whenever the connection's settings or secrets do
	// (its UpdatedAt); a session of another version is replaced.
	Version string
	Config  Config
	Secrets Secrets
	// Auth, if set, wraps the transport to a remote server to authorise
	// its requests itself (an OAuth connection's token, refreshed after a
	// 401); Config.Header is then not sent.
	Auth func(base http.RoundTripper) http.RoundTripper
}

// Pool keeps one session per connection. It is safe for concurrent use.
type Pool struct {
	o      Options
	mu     sync.Mutex
	byConn map[string]*Session
	closed bool
	stop   chan struct{}
	once   sync.Once
}

// NewPool makes a pool; Close stops every session it started.
func NewPool(o Options) *Pool {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Timeout <= 0 {
		o.Timeout = 30 * time.Second
	}
	if o.IdleTimeout <= 0 {
		o.IdleTimeout = 10 * time.Minute
	}
	if o.MaxMessageBytes <= 0 {
		o.MaxMessageBytes = 8 << 20
	}
	return &Pool{o: o, byConn: map[string]*Session{}, stop: make(chan struct{})}
}

// ErrClosed means the pool was closed (serve is shutting down).
var ErrClosed = errors.New("mcpgate is shutting down")

// Acquire returns the connection's session, started if it is not running,
// and a release to call when the caller is done with it.
func (p *Pool) Acquire(ctx context.Context, spec Spec) (*Session, func(), error) {
	p.once.Do(func() { go p.reap() })
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil, nil, ErrClosed
	}
	s := p.byConn[spec.ConnID]
	if s != nil && s.spec.Version != spec.Version {
		delete(p.byConn, spec.ConnID)
		go s.close()
		s = nil
	}
	if s == nil {
		s = &Session{pool: p, spec: spec, red: secret.NewRedactor(spec.Secrets.Values()...),
			home: Home(p.o.DataDir, spec.UserID, spec.ConnID)}
		p.byConn[spec.ConnID] = s
	}
	p.mu.Unlock()
	if err := s.ensure(ctx); err != nil {
		return nil, nil, err
	}
	return s, s.release, nil
}

// Running returns the connection's session if it runs at version, with
// its release, without reading the connection's settings or secrets:
// the hot path of a call.
func (p *Pool) Running(connID, version string) (*Session, func(), bool) {
	p.mu.Lock()
	s := p.byConn[connID]
	p.mu.Unlock()
	if s == nil || s.spec.Version != version {
		return nil, nil, false
	}
	s.inflight.Add(1)
	s.lastUsed.Store(time.Now().UnixNano())
	s.mu.Lock()
	up := s.cs != nil && !s.closed
	s.mu.Unlock()
	if !up {
		s.inflight.Add(-1)
		return nil, nil, false
	}
	return s, s.release, true
}

// Forget stops the connection's session (after the connection was removed
// or changed).
func (p *Pool) Forget(connID string) {
	p.mu.Lock()
	s := p.byConn[connID]
	delete(p.byConn, connID)
	relayed := p.forgetRelayedLocked(connID)
	p.mu.Unlock()
	if s != nil {
		s.close()
	}
	for _, r := range relayed {
		r.close()
	}
}

// Close stops every session and kills every server process group.
func (p *Pool) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	close(p.stop)
	all := make([]*Session, 0, len(p.byConn))
	for _, s := range p.byConn {
		all = append(all, s)
	}
	clear(p.byConn)
	p.mu.Unlock()
	var wg sync.WaitGroup
	for _, s := range all {
		wg.Go(s.close)
	}
	wg.Wait()
	return nil
}

// reap stops sessions idle for longer than the idle timeout.
func (p *Pool) reap() {
	every := min(max(p.o.IdleTimeout/4, 100*time.Millisecond), 30*time.Second)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-p.stop:
			return
		case <-t.C:
		}
		p.mu.Lock()
		var idle []*Session
		for id, s := range p.byConn {
			if s.idleFor() > p.o.IdleTimeout {
				delete(p.byConn, id)
				idle = append(idle, s)
			}
		}
		p.mu.Unlock()
		for _, s := range idle {
			p.o.Logger.Info("mcp server idle, stopped", "connection", s.spec.Name)
			s.close()
		}
	}
}

// Home is a command's home and working directory.
func Home(dataDir, userID, connID string) string {
	return filepath.Join(dataDir, "mcp", userID, connID)
}
