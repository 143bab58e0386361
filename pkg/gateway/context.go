package gateway

import (
	"context"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mcpgate/mcpgate/pkg/snapshot"
	"github.com/mcpgate/mcpgate/pkg/store"
)

// request is what the gateway knows of one /mcp request, carried in its
// context as one value. authenticate puts it there before the key is
// verified, and it is filled in as the request goes: the key lookup sets
// snap, authenticate sets id once the key verified, Handler sets server
// and conns. Each field is written once, by the request's own goroutine,
// before anything that reads it runs.
type request struct {
	// snap is the snapshot the request reads keys, connections and
	// policies through. The key lookup reads the generation, so a request
	// refused before that (no key, a malformed one, an address over its
	// failure budget) costs no database read; nil until then.
	snap *snapshot.Snapshot
	// id is who the request comes from; authed says it is set.
	id     Identity
	authed bool
	// server is the MCP server with the key's tools.
	server *mcp.Server
	// conns are the user's connections as read for this request (all of
	// them, not only the key's scope), so a tool call does not read its
	// connection a second time.
	conns []store.Connection
}

type requestKey struct{}

// withRequest returns ctx carrying a new, empty request.
func withRequest(ctx context.Context) (context.Context, *request) {
	r := &request{}
	return context.WithValue(ctx, requestKey{}, r), r
}

// requestFrom returns the request ctx carries; nil outside a request.
func requestFrom(ctx context.Context) *request {
	r, _ := ctx.Value(requestKey{}).(*request)
	return r
}

// snapshot returns the request's snapshot: nil (read everything from the
// store) outside a request or before its key was looked up.
func (r *request) snapshot() *snapshot.Snapshot {
	if r == nil {
		return nil
	}
	return r.snap
}

// connections returns the user's connections as read for this request:
// nil outside a request or before they were read.
func (r *request) connections() []store.Connection {
	if r == nil {
		return nil
	}
	return r.conns
}

// IdentityFrom returns the identity the auth middleware put in ctx.
func IdentityFrom(ctx context.Context) (Identity, bool) {
	r := requestFrom(ctx)
	if r == nil || !r.authed {
		return Identity{}, false
	}
	return r.id, true
}
