package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/caddyserver/certmagic"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/mcpgate/mcpgate/pkg/config"
)

// Options are what a Server serves.
type Options struct {
	Config *config.Config
	// MCP serves /mcp (authenticated inside).
	MCP http.Handler
	// Extra routes on the gateway listener, e.g. /oauth/callback.
	Routes map[string]http.Handler
	// Ready reports whether the appliance can serve (database, vault).
	Ready func(context.Context) error
	// Registry is gathered at /metrics on the admin listener.
	Registry *prometheus.Registry
	Logger   *slog.Logger
}

// Server is the set of listeners. Start, then Shutdown (or Run).
type Server struct {
	o   Options
	log *slog.Logger
	tls *tls.Config

	// certCache holds ACME certificates and renews them in the background
	// until Shutdown stops it.
	certCache *certmagic.Cache

	mu        sync.Mutex
	servers   []*http.Server
	listeners map[string]net.Listener
	errs      chan error
}

// New prepares a server; Start binds its listeners.
func New(o Options) *Server {
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Server{o: o, log: log, listeners: map[string]net.Listener{}, errs: make(chan error, 4)}
}

// Start obtains certificates if needed and binds every listener. If it
// fails, what it had started is stopped.
func (s *Server) Start(ctx context.Context) error {
	cfg := s.o.Config
	if err := s.setupTLS(ctx); err != nil {
		s.Shutdown(context.Background())
		return err
	}
	if err := s.listen(ctx, "gateway", cfg.Listen, s.gatewayHandler, s.tls); err != nil {
		s.Shutdown(context.Background())
		return err
	}
	if cfg.Admin.Listen != "" {
		admin := func(bound net.Addr) http.Handler { return adminCheck(cfg.Admin.Listen, bound).wrap(s.adminHandler()) }
		if err := s.listen(ctx, "admin", cfg.Admin.Listen, admin, nil); err != nil {
			s.Shutdown(context.Background())
			return err
		}
	}
	return nil
}

func (s *Server) httpServer(h http.Handler, tc *tls.Config) *http.Server {
	return &http.Server{
		Handler:           h,
		TLSConfig:         tc,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		// Tool calls may wait on a person's approval, then on a slow
		// upstream, each up to its bound.
		WriteTimeout:   s.o.Config.Approvals.Wait + s.o.Config.Limits.UpstreamTimeout + 30*time.Second,
		IdleTimeout:    120 * time.Second,
		MaxHeaderBytes: 64 << 10,
		ErrorLog:       slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
}

// listen binds addr, then serves on it what handler returns for the bound
// address (the port is known only then when addr says :0), over TLS when
// tc is set.
func (s *Server) listen(ctx context.Context, name, addr string, handler func(bound net.Addr) http.Handler, tc *tls.Config) error {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s (%s): %w", addr, name, err)
	}
	srv := s.httpServer(handler(ln.Addr()), tc)
	useTLS := tc != nil
	if useTLS {
		ln = tls.NewListener(ln, tc)
	}
	s.mu.Lock()
	s.servers = append(s.servers, srv)
	s.listeners[name] = ln
	s.mu.Unlock()
	scheme := "http"
	if useTLS {
		scheme = "https"
	}
	s.log.Info("listening", "listener", name, "url", scheme+"://"+ln.Addr().String())
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.errs <- fmt.Errorf("%s listener: %w", name, err)
		}
	}()
	return nil
}

// Addr returns the bound address of a listener: "gateway", "http" or
// "admin"; "" if it is not listening.
func (s *Server) Addr(name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ln, ok := s.listeners[name]; ok {
		return ln.Addr().String()
	}
	return ""
}

// Run starts the server and serves until ctx ends, then shuts down within
// the configured deadline.
func (s *Server) Run(ctx context.Context) error {
	if err := s.Start(ctx); err != nil {
		return err
	}
	var runErr error
	select {
	case <-ctx.Done():
	case runErr = <-s.errs:
	}
	s.log.Info("shutting down", "deadline", s.o.Config.Limits.ShutdownTimeout.String())
	sctx, cancel := context.WithTimeout(context.Background(), s.o.Config.Limits.ShutdownTimeout)
	defer cancel()
	return errors.Join(runErr, s.Shutdown(sctx))
}

// Shutdown stops accepting, waits for in-flight requests until ctx ends,
// then closes what is left. Safe after a partial Start.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	servers, cache := s.servers, s.certCache
	s.servers, s.certCache = nil, nil
	s.mu.Unlock()
	if cache != nil {
		cache.Stop() // no renewals after shutdown
	}
	var errs []error
	for _, srv := range servers {
		if err := srv.Shutdown(ctx); err != nil {
			errs = append(errs, err)
			srv.Close()
		}
	}
	return errors.Join(errs...)
}

func (s *Server) adminHandler() http.Handler {
	mux := http.NewServeMux()
	if s.o.Registry != nil {
		mux.Handle("GET /metrics", promhttp.HandlerFor(s.o.Registry, promhttp.HandlerOpts{}))
	}
	mux.HandleFunc("GET /healthz", healthz)
	mux.HandleFunc("GET /readyz", s.readyz)
	return mux
}

func healthz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprintln(w, "ok")
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if s.o.Ready != nil {
		ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
		defer cancel()
		if err := s.o.Ready(ctx); err != nil {
			s.log.Warn("not ready", "err", err.Error())
			http.Error(w, "not ready", http.StatusServiceUnavailable)
			return
		}
	}
	fmt.Fprintln(w, "ready")
}
