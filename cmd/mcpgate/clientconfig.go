package main

import (
	"net"
	"strings"

	"github.com/mcpgate/mcpgate/pkg/appliance"
)

// mcpURL is the endpoint clients use: the public URL, or the listen address.
func mcpURL(a *appliance.App) string {
	cfg := a.Config
	if cfg.PublicURL != "" {
		return strings.TrimRight(cfg.PublicURL, "/") + "/mcp"
	}
	scheme := "https"
	if cfg.TLS.Mode == "off" {
		scheme = "http"
	}
	host := cfg.Listen
	if h, p, err := net.SplitHostPort(cfg.Listen); err == nil && (h == "" || h == "0.0.0.0" || h == "::") {
		host = net.JoinHostPort("localhost", p)
	}
	if cfg.TLS.Mode == "auto" && len(cfg.TLS.Domains) > 0 {
		host = cfg.TLS.Domains[0]
	}
	return scheme + "://" + host + "/mcp"
}

// clientConfig is the snippet each client's MCP settings file takes.
func clientConfig(kind, url, key string) any {
	auth := "Bearer " + key
	switch kind {
	case "claude":
		// Claude Desktop's config file starts local (stdio) servers; the
		// mcp-remote bridge connects one to a remote endpoint with a header.
		return map[string]any{"mcpServers": map[string]any{"mcpgate": map[string]any{
			"command": "npx",
			"args":    []string{"-y", "mcp-remote", url, "--header", "Authorization:${MCPGATE_AUTH}"},
			"env":     map[string]string{"MCPGATE_AUTH": auth},
		}}}
	case "cursor":
		return map[string]any{"mcpServers": map[string]any{"mcpgate": map[string]any{
			"url": url, "headers": map[string]string{"Authorization": auth},
		}}}
	case "vscode":
		return map[string]any{"servers": map[string]any{"mcpgate": map[string]any{
			"type": "http", "url": url, "headers": map[string]string{"Authorization": auth},
		}}}
	}
	return map[string]any{"url": url, "headers": map[string]string{"Authorization": auth}}
}
