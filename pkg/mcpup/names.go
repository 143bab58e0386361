package mcpup

import (
	"context"
	"strings"
)

// maxToolName is the longest tool name MCP clients accept.
const maxToolName = 128

// ExposedName is the name the aggregate endpoint gives a connection's
// tool: "<connection>_<tool>", with every character outside
// [A-Za-z0-9_.-] made '_' and cut to 128 bytes.
func ExposedName(conn, tool string) string {
	var b strings.Builder
	for _, r := range conn + "_" + tool {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '_', r == '.', r == '-':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
		if b.Len() >= maxToolName {
			break
		}
	}
	return b.String()
}

// Probe starts the connection once, outside serve, and lists its tools:
// what `connect add`, `connect test`, `connect tools` and `connect
// approve` see. It returns the server's name as it gives it.
func Probe(ctx context.Context, o Options, spec Spec) (server string, tools []Pin, err error) {
	p := NewPool(o)
	defer p.Close()
	s, release, err := p.Acquire(ctx, spec)
	if err != nil {
		return "", nil, err
	}
	defer release()
	tools, err = s.Tools(ctx)
	if err != nil {
		return "", nil, err
	}
	cs, err := s.client()
	if err != nil {
		return "", nil, err
	}
	if ir := cs.InitializeResult(); ir != nil && ir.ServerInfo != nil {
		server = ir.ServerInfo.Name
		if ir.ServerInfo.Version != "" {
			server += " " + ir.ServerInfo.Version
		}
	}
	server, _ = s.red.Redact(server)
	return server, tools, nil
}
