// Command mcpasker is an MCP server for mcpgate's relay tests: during a
// call it sends the client a log message, and a sampling, an elicitation
// or a roots request, each naming the call's tag and quoting the
// connection's secret (the environment variable ASKER_SECRET over stdio,
// the X-Api-Key header over HTTP), as a careless server might. It serves
// over stdio, or Streamable HTTP with sessions with -http ADDR.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

type askArg struct {
	Tag string `json:"tag"`
	// HoldMS delays the request, so that calls of several clients overlap.
	HoldMS int `json:"hold_ms,omitempty"`
}

func secretOf(req *mcp.CallToolRequest) string {
	if req.Extra != nil && req.Extra.Header != nil {
		if v := req.Extra.Header.Get("X-Api-Key"); v != "" {
			return v
		}
	}
	return os.Getenv("ASKER_SECRET")
}

func text(s string) *mcp.CallToolResult {
	return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: s}}}
}

func before(ctx context.Context, req *mcp.CallToolRequest, a askArg) {
	_ = req.Session.Log(ctx, &mcp.LoggingMessageParams{
		Level: "warning", Logger: "asker",
		Data: map[string]any{"tag": a.Tag, "note": "asking with key " + secretOf(req)},
	})
	time.Sleep(time.Duration(a.HoldMS) * time.Millisecond)
}

func main() {
	httpAddr := flag.String("http", "", "serve Streamable HTTP at this address")
	flag.Parse()
	s := mcp.NewServer(&mcp.Implementation{Name: "mcpasker", Version: "1"}, nil)
	mcp.AddTool(s, &mcp.Tool{Name: "elicit", Description: "asks the client's user for a name"},
		func(ctx context.Context, req *mcp.CallToolRequest, a askArg) (*mcp.CallToolResult, any, error) {
			before(ctx, req, a)
			res, err := req.Session.Elicit(ctx, &mcp.ElicitParams{
				Message: fmt.Sprintf("call %s: your name, please (key %s)", a.Tag, secretOf(req)),
				RequestedSchema: map[string]any{
					"type":       "object",
					"properties": map[string]any{"name": map[string]any{"type": "string"}},
				},
			})
			if err != nil {
				return nil, nil, fmt.Errorf("elicitation failed: %w", err)
			}
			return text(fmt.Sprintf("call %s: action=%s name=%v", a.Tag, res.Action, res.Content["name"])), nil, nil
		})
	mcp.AddTool(s, &mcp.Tool{Name: "sample", Description: "asks the client's model"},
		func(ctx context.Context, req *mcp.CallToolRequest, a askArg) (*mcp.CallToolResult, any, error) {
			before(ctx, req, a)
			res, err := req.Session.CreateMessage(ctx, &mcp.CreateMessageParams{
				MaxTokens: 50,
				Messages: []*mcp.SamplingMessage{{Role: "user", Content: &mcp.TextContent{
					Text: fmt.Sprintf("call %s: say hello (key %s)", a.Tag, secretOf(req)),
				}}},
			})
			if err != nil {
				return nil, nil, fmt.Errorf("sampling failed: %w", err)
			}
			t, _ := res.Content.(*mcp.TextContent)
			if t == nil {
				return nil, nil, fmt.Errorf("sampling answered no text")
			}
			return text(fmt.Sprintf("call %s: model said %s", a.Tag, t.Text)), nil, nil
		})
	mcp.AddTool(s, &mcp.Tool{Name: "roots", Description: "lists the client's roots, whatever it declared"},
		func(ctx context.Context, req *mcp.CallToolRequest, a askArg) (*mcp.CallToolResult, any, error) {
			before(ctx, req, a)
			res, err := req.Session.ListRoots(ctx, nil)
			if err != nil {
				return text(fmt.Sprintf("call %s: roots/list failed: %v", a.Tag, err)), nil, nil
			}
			var uris []string
			for _, r := range res.Roots {
				uris = append(uris, r.URI)
			}
			return text(fmt.Sprintf("call %s: roots %s", a.Tag, strings.Join(uris, ","))), nil, nil
		})
	if *httpAddr != "" {
		h := mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return s }, nil)
		log.Fatal(http.ListenAndServe(*httpAddr, h))
	}
	if err := s.Run(context.Background(), &mcp.StdioTransport{}); err != nil {
		log.Fatal(err)
	}
}
