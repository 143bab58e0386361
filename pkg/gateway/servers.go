package gateway

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mcpgate/mcpgate/pkg/connector"
	"github.com/mcpgate/mcpgate/pkg/mcpup"
	"github.com/mcpgate/mcpgate/pkg/secret"
	"github.com/mcpgate/mcpgate/pkg/store"
)

// Handler serves MCP over Streamable HTTP for authenticated app keys.
// Every request lists the key's connections, so a connection added or
// removed from the CLI shows on the next request.
func (g *Gateway) Handler() http.Handler {
	h := mcp.NewStreamableHTTPHandler(func(r *http.Request) *mcp.Server {
		if req := requestFrom(r.Context()); req != nil {
			return req.server
		}
		return nil
	}, &mcp.StreamableHTTPOptions{
		Stateless:           true,
		JSONResponse:        true,
		MaxRequestBodyBytes: g.cfg.Limits.MaxBodyBytes,
		// Host and Origin are checked by the server package for every
		// listener, with the configured names.
		DisableLocalhostProtection: true,
	})
	one := g.connectionHandler()
	return g.countRequests(g.traceRequest(g.authenticate(g.authenticated(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req := requestFrom(r.Context())
		id := req.id
		var (
			s     *mcp.Server
			conns []store.Connection
			err   error
		)
		if name, one := strings.CutPrefix(r.URL.Path, "/mcp/"); one {
			var ok bool
			s, conns, ok, err = g.connectionServerFor(r.Context(), id, name)
			if err == nil && !ok {
				connectionNotFound(w, name)
				return
			}
		} else {
			s, conns, err = g.serverFor(r.Context(), id)
		}
		if err != nil {
			g.log.Error("list tools", "user", id.UserID, "err", err.Error())
			http.Error(w, "the gateway cannot read its connections right now; try again", http.StatusServiceUnavailable)
			return
		}
		req.server, req.conns = s, conns
		if strings.HasPrefix(r.URL.Path, "/mcp/") {
			one.ServeHTTP(w, r)
			return
		}
		h.ServeHTTP(w, r)
	})))))
}

// requestConnection returns the connection named name as read for this
// request, if the request's context carries it.
func requestConnection(ctx context.Context, name string) (store.Connection, bool) {
	for _, c := range requestFrom(ctx).connections() {
		if c.Name == name {
			return c, true
		}
	}
	return store.Connection{}, false
}

// serverFor returns the MCP server with id's tools, reusing one built for
// the same key and the same connections.
func (g *Gateway) serverFor(ctx context.Context, id Identity) (*mcp.Server, []store.Connection, error) {
	all, err := g.userConnections(ctx, id.UserID)
	if err != nil {
		return nil, nil, err
	}
	// The key's scope limits the tools; redaction covers every connection.
	conns := slices.DeleteFunc(slices.Clone(all), func(c store.Connection) bool {
		return len(id.Scope) > 0 && !slices.Contains(id.Scope, c.Name)
	})
	var fp strings.Builder
	fp.WriteString(id.KeyID)
	for _, c := range conns {
		fmt.Fprintf(&fp, "|%s:%s:%s:%s:%d", c.Name, c.Provider, c.Status, c.ID, c.UpdatedAt.UnixMicro())
	}
	return g.servers.get(fp.String(), func() *mcp.Server { return g.buildServer(id, conns) }), all, nil
}

// userConnections returns the user's connections, read through the
// request's snapshot.
func (g *Gateway) userConnections(ctx context.Context, userID string) ([]store.Connection, error) {
	if s := requestFrom(ctx).snapshot(); s != nil {
		return s.Connections(ctx, userID)
	}
	return g.st.User(userID).ListConnections(ctx)
}

func (g *Gateway) buildServer(id Identity, conns []store.Connection) *mcp.Server {
	s := mcp.NewServer(&mcp.Implementation{Name: "mcpgate", Version: g.version}, &mcp.ServerOptions{
		Instructions: "Tools are named <connection>_<tool>. mcpgate runs each call with credentials it keeps; you never need, and cannot get, a token.",
		SetCacheable: privateUncached,
	})
	known := map[string]bool{}
	var red *secret.Redactor
	for _, c := range conns {
		if c.Provider == mcpup.Provider {
			if red == nil {
				red = g.userSecrets(context.Background(), id.UserID, conns)
			}
			for _, t := range g.mcpTools(c) {
				if known[t.exposed] {
					g.log.Warn("MCP tool withheld: its name is taken", "connection", c.Name, "tool", t.pin.Name, "name", t.exposed)
					continue
				}
				known[t.exposed] = true
				g.addMCPTool(s, id, t.exposed, t, red)
			}
			continue
		}
		p, err := connector.Lookup(c.Provider)
		if err != nil {
			g.log.Warn("connection of unknown provider skipped", "connection", c.Name, "provider", c.Provider)
			continue
		}
		for _, t := range p.Tools() {
			known[c.Name+"_"+t.Name] = true
			ro, destructive, openWorld := t.ReadOnly, t.Destructive, true
			s.AddTool(&mcp.Tool{
				Name:        c.Name + "_" + t.Name,
				Description: t.Description + fmt.Sprintf(" (connection %q, %s)", c.Name, c.Provider),
				InputSchema: t.InputSchema,
				Annotations: &mcp.ToolAnnotations{
					ReadOnlyHint:    ro,
					DestructiveHint: &destructive,
					OpenWorldHint:   &openWorld,
				},
			}, g.toolHandler(id, c.Name, p, t))
		}
	}
	s.AddReceivingMiddleware(g.auditUnknownTools(id, known))
	if g.traced {
		s.AddReceivingMiddleware(g.traceMCP)
	}
	return s
}

// serverCache keeps built servers; it forgets everything when full, which
// is cheap to rebuild and keeps the bound simple.
type serverCache struct {
	mu   sync.Mutex
	max  int
	byFP map[string]*mcp.Server
}

func newServerCache(max int) *serverCache {
	return &serverCache{max: max, byFP: map[string]*mcp.Server{}}
}

func (c *serverCache) get(fp string, build func() *mcp.Server) *mcp.Server {
	c.mu.Lock()
	defer c.mu.Unlock()
	if s, ok := c.byFP[fp]; ok {
		return s
	}
	if len(c.byFP) >= c.max {
		clear(c.byFP)
	}
	s := build()
	c.byFP[fp] = s
	return s
}

// privateUncached marks every list the gateway returns as the requesting
// key's alone (a shared cache or proxy must not serve it to anyone else:
// it names that user's connections) and stale at once (a connection added
// or a scope changed from the CLI shows on the next request). The SDK's
// default is "public".
func privateUncached(_ context.Context, _ mcp.Request, c *mcp.Cacheable) {
	c.TTLMs, c.CacheScope = 0, "private"
}
