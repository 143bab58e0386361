package mcpup

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	"go.opentelemetry.io/otel/trace"

	"github.com/mcpgate/mcpgate/pkg/secret"
	"github.com/mcpgate/mcpgate/pkg/tracing"
)

// Bounds on what a server may list.
const (
	maxTools     = 50000
	maxListPages = 1000
	// toolsFresh is how long a tool list is trusted without a
	// list_changed notification (remote servers send none to mcpgate).
	toolsFresh = 30 * time.Second
)

// ErrToolChanged means a tool's live definition is not its approved one.
var ErrToolChanged = errors.New("changed since it was approved")

// Session is one running connection to an MCP server, shared by every
// call of its user.
type Session struct {
	pool *Pool
	spec Spec
	red  *secret.Redactor
	home string

	mu       sync.Mutex // held while connecting, so one start serves all
	cs       *mcp.ClientSession
	proc     *process
	end      context.CancelFunc // ends the session's context
	started  time.Time
	failures int
	retryAt  time.Time
	lastErr  error
	closed   bool
	tools    map[string]Pin
	toolsAt  time.Time
	stale    atomic.Bool
	tooLarge atomic.Bool // the last session ended on an oversized message
	inflight atomic.Int64
	lastUsed atomic.Int64 // unix nanoseconds

	relay Relay // nil for the session shared by the user's calls

	progMu   sync.Mutex
	progress map[string]func(*mcp.ProgressNotificationParams)
	progSeq  atomic.Uint64
}

// Redactor scrubs the connection's secrets.
func (s *Session) Redactor() *secret.Redactor { return s.red }

// URL is the remote server's URL; "" for a command's (stdio) server.
func (s *Session) URL() string { return s.spec.Config.URL }

func (s *Session) release() {
	s.lastUsed.Store(time.Now().UnixNano())
	s.inflight.Add(-1)
}

func (s *Session) idleFor() time.Duration {
	if s.inflight.Load() > 0 {
		return 0
	}
	last := s.lastUsed.Load()
	if last == 0 {
		return 0
	}
	return time.Since(time.Unix(0, last))
}

// backoff is the wait before starting again a server that failed n times
// in a row.
func backoff(n int) time.Duration {
	if n <= 0 {
		return 0
	}
	d := time.Second << min(n-1, 6)
	return min(d, time.Minute)
}

// ensure starts the session if it is not running; a server that failed
// is started again once its backoff has passed.
func (s *Session) ensure(ctx context.Context) error {
	s.inflight.Add(1)
	s.lastUsed.Store(time.Now().UnixNano())
	s.mu.Lock()
	defer s.mu.Unlock()
	err := s.ensureLocked(ctx)
	if err != nil {
		s.inflight.Add(-1)
	}
	return err
}

func (s *Session) ensureLocked(ctx context.Context) error {
	if s.closed {
		return ErrClosed
	}
	if s.cs != nil {
		return nil
	}
	if wait := time.Until(s.retryAt); wait > 0 {
		return fmt.Errorf("the MCP server of %q failed (%s); mcpgate starts it again in %s", s.spec.Name, s.errText(), wait.Round(time.Second))
	}
	// The session's context lives as long as the session (the old SSE
	// transport's stream is bound to it); until the session is up, the
	// caller's cancellation and the connect timeout end it too.
	life, end := context.WithCancel(context.Background())
	timer := time.AfterFunc(s.pool.o.connectTimeout(), end)
	unhook := context.AfterFunc(ctx, end)
	cs, proc, err := s.dial(life)
	if err == nil {
		s.cs, s.proc, s.started, s.end = cs, proc, time.Now(), end
		if err = s.listToolsLocked(life); err != nil {
			s.stopLocked()
		} else {
			s.resumeRelay(life, cs)
		}
	}
	timer.Stop()
	unhook()
	if err != nil {
		end()
	} else if life.Err() != nil {
		s.stopLocked()
		err = fmt.Errorf("connect to the MCP server of %q: %w", s.spec.Name, context.DeadlineExceeded)
	}
	if err != nil {
		s.failures++
		s.retryAt = time.Now().Add(backoff(s.failures))
		s.lastErr = s.red.Scrub(err)
		s.pool.o.Logger.Warn("mcp server did not start", "connection", s.spec.Name, "err", s.lastErr.Error())
		return s.lastErr
	}
	go s.watch(cs, proc)
	return nil
}

func (s *Session) errText() string {
	if s.lastErr == nil {
		return "it stopped"
	}
	return s.lastErr.Error()
}

// watch notices the session ending (the process died, the remote session
// was lost) and lets the next call start it again, after a backoff when
// it had not been up for long.
func (s *Session) watch(cs *mcp.ClientSession, proc *process) {
	err := cs.Wait()
	if proc != nil {
		<-proc.done
		if proc.err != nil {
			err = proc.err
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cs != cs || s.closed {
		return
	}
	s.stopLocked()
	if time.Since(s.started) < 30*time.Second {
		s.failures++
	} else {
		s.failures = 1
	}
	s.retryAt = time.Now().Add(backoff(s.failures))
	if err == nil {
		err = errors.New("the server ended the session")
	}
	s.lastErr = s.red.Scrub(err)
	s.pool.o.Logger.Warn("mcp server stopped", "connection", s.spec.Name, "err", s.lastErr.Error())
}

func (s *Session) dial(ctx context.Context) (*mcp.ClientSession, *process, error) {
	client := mcp.NewClient(&mcp.Implementation{Name: "mcpgate", Version: s.pool.o.Version}, s.clientOptions())
	s.relayRequests(client)
	c := s.spec.Config
	if c.Remote() {
		cs, err := dialRemote(ctx, client, s.sessionOptions(), c, s.spec.Secrets, s.spec.Auth, s.pool.o, func() {
			s.tooLarge.Store(true)
			s.pool.o.Logger.Warn("mcp server sent a response over mcp.max_message_bytes; dropped", "connection", s.spec.Name)
		})
		return cs, nil, err
	}
	proc, err := startProcess(s.home, c, s.spec.Secrets, s.pool.o.Limits, s.pool.o.Logger, s.red, s.spec.Name)
	if err != nil {
		return nil, nil, err
	}
	s.tooLarge.Store(false)
	out := &lineLimit{r: proc.stdout, max: s.pool.o.MaxMessageBytes, over: func() {
		s.tooLarge.Store(true)
		s.pool.o.Logger.Warn("mcp server sent a message over mcp.max_message_bytes; stopped", "connection", s.spec.Name)
		killGroup(proc.cmd)
	}}
	cs, err := client.Connect(ctx, &mcp.IOTransport{Reader: out, Writer: proc.stdin, MaxLineLength: -1}, s.sessionOptions())
	if err != nil {
		// A command that exited at once closed its stdout first: give
		// the reaper a moment to say so.
		select {
		case <-proc.done:
			proc.stop(0)
			return nil, nil, fmt.Errorf("initialize the server: %w; the command exited (%s)", err, exitText(proc.err))
		case <-time.After(time.Second):
		}
		proc.stop(0)
		return nil, nil, fmt.Errorf("initialize the server: %w", err)
	}
	return cs, proc, nil
}

// stopLocked ends the session and the process.
func (s *Session) stopLocked() {
	cs, proc, end := s.cs, s.proc, s.end
	s.cs, s.proc, s.tools, s.end = nil, nil, nil, nil
	if end != nil {
		defer end()
	}
	if cs != nil {
		go func() { _ = cs.Close() }()
	}
	if proc != nil {
		proc.stop(2 * time.Second)
	}
}

func (s *Session) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	s.stopLocked()
}

// listToolsLocked reads the server's tools and pins each.
func (s *Session) listToolsLocked(ctx context.Context) error {
	var tools []*mcp.Tool
	var cursor string
	for page := 0; ; page++ {
		if page >= maxListPages {
			return fmt.Errorf("the server lists tools over more than %d pages", maxListPages)
		}
		res, err := s.cs.ListTools(ctx, &mcp.ListToolsParams{Cursor: cursor})
		if err != nil {
			return fmt.Errorf("list tools: %w", err)
		}
		tools = append(tools, res.Tools...)
		if len(tools) > maxTools {
			return fmt.Errorf("the server lists more than %d tools", maxTools)
		}
		if res.NextCursor == "" {
			break
		}
		cursor = res.NextCursor
	}
	pins, err := PinAll(tools)
	if err != nil {
		return err
	}
	m := make(map[string]Pin, len(pins))
	for _, p := range pins {
		m[p.Name] = p
	}
	s.tools, s.toolsAt = m, time.Now()
	s.stale.Store(false)
	return nil
}

// Tools returns the server's tools as pinned now, read again when the
// server said they changed or the list is old.
func (s *Session) Tools(ctx context.Context) ([]Pin, error) {
	m, err := s.liveTools(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Pin, 0, len(m))
	for _, p := range m {
		out = append(out, p)
	}
	return sortPins(out), nil
}

func (s *Session) liveTools(ctx context.Context) (map[string]Pin, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cs == nil {
		return nil, fmt.Errorf("the MCP server of %q is not running (%s)", s.spec.Name, s.errText())
	}
	if s.tools == nil || s.stale.Load() || time.Since(s.toolsAt) > toolsFresh {
		ctx, cancel := detached(ctx, s.pool.o.connectTimeout())
		defer cancel()
		if err := s.listToolsLocked(ctx); err != nil {
			return nil, s.red.Scrub(err)
		}
	}
	return s.tools, nil
}

// client returns the running session.
func (s *Session) client() (*mcp.ClientSession, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cs == nil {
		return nil, fmt.Errorf("the MCP server of %q is not running (%s)", s.spec.Name, s.errText())
	}
	return s.cs, nil
}

// CallTool calls the tool if its live definition still hashes to
// approved; progress, if set, receives the server's progress
// notifications for this call. The error carries none of the
// connection's secrets.
func (s *Session) CallTool(ctx context.Context, name, approved string, args map[string]any, progress func(*mcp.ProgressNotificationParams)) (*mcp.CallToolResult, error) {
	live, err := s.liveTools(ctx)
	if err != nil {
		return nil, err
	}
	if p, ok := live[name]; !ok {
		return nil, fmt.Errorf("tool %q is no longer offered by the server", name)
	} else if p.Hash != approved {
		s.pool.o.Logger.Warn("mcp tool changed since approval; withheld", "connection", s.spec.Name, "tool", name)
		return nil, fmt.Errorf("tool %q %w; the operator must review it with `mcpgate connect approve %s`", name, ErrToolChanged, s.spec.Name)
	}
	cs, err := s.client()
	if err != nil {
		return nil, err
	}
	params := &mcp.CallToolParams{Name: name, Arguments: args}
	params.Meta = tracing.InjectMeta(ctx, params.Meta) // the caller's traceparent, when traced
	if progress != nil {
		tok := "mcpgate-" + strconv.FormatUint(s.progSeq.Add(1), 36)
		s.progMu.Lock()
		if s.progress == nil {
			s.progress = map[string]func(*mcp.ProgressNotificationParams){}
		}
		s.progress[tok] = progress
		s.progMu.Unlock()
		defer func() {
			s.progMu.Lock()
			delete(s.progress, tok)
			s.progMu.Unlock()
		}()
		params.SetProgressToken(tok)
	}
	ctx, cancel := detached(ctx, s.pool.o.Timeout)
	defer cancel()
	res, err := cs.CallTool(ctx, params)
	if err != nil {
		if s.tooLarge.Swap(false) {
			return nil, fmt.Errorf("the MCP server of %q sent a message larger than mcp.max_message_bytes (%d bytes); the call was dropped", s.spec.Name, s.pool.o.MaxMessageBytes)
		}
		if ctx.Err() != nil {
			return nil, fmt.Errorf("the MCP server of %q did not answer within %s", s.spec.Name, s.pool.o.Timeout)
		}
		return nil, s.red.Scrub(err)
	}
	return res, nil
}

func (s *Session) onProgress(_ context.Context, req *mcp.ProgressNotificationClientRequest) {
	tok, _ := req.Params.ProgressToken.(string)
	s.progMu.Lock()
	f := s.progress[tok]
	s.progMu.Unlock()
	if f != nil {
		f(req.Params)
	}
}

// Client runs fn with the running session (prompts, resources,
// completions); its error is scrubbed of the connection's secrets.
func (s *Session) Client(ctx context.Context, fn func(context.Context, *mcp.ClientSession) error) error {
	cs, err := s.client()
	if err != nil {
		return err
	}
	ctx, cancel := detached(ctx, s.pool.o.Timeout)
	defer cancel()
	if err := fn(ctx, cs); err != nil {
		return s.red.Scrub(err)
	}
	return nil
}

// detached is a context that carries none of ctx's values (the serving
// side's request values, such as the protocol version a client of
// mcpgate negotiated, must not reach the upstream's requests) but its
// trace span, so that the HTTP requests of a remote call belong to the
// caller's trace, and ends when ctx does or after d.
func detached(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	base := context.Background()
	if sp := trace.SpanFromContext(ctx); sp.SpanContext().IsValid() {
		base = trace.ContextWithSpan(base, sp)
	}
	c, cancel := context.WithTimeout(base, d)
	stop := context.AfterFunc(ctx, cancel)
	return c, func() {
		stop()
		cancel()
	}
}

func exitText(err error) string {
	if err == nil {
		return "status 0"
	}
	return err.Error()
}

// lineLimit ends a stdio session whose server sends a line (one JSON-RPC
// message) longer than max: over is called, which kills the process, and
// reads fail.
type lineLimit struct {
	r    io.Reader
	max  int
	run  int // bytes since the last newline
	over func()
	done bool
}

func (l *lineLimit) Read(p []byte) (int, error) {
	if l.done {
		return 0, ErrTooLarge
	}
	n, err := l.r.Read(p)
	for _, b := range p[:n] {
		if b == '\n' {
			l.run = 0
			continue
		}
		l.run++
		if l.run > l.max {
			l.done = true
			l.over()
			return 0, ErrTooLarge
		}
	}
	return n, err
}

func (l *lineLimit) Close() error {
	if c, ok := l.r.(io.Closer); ok {
		return c.Close()
	}
	return nil
}
