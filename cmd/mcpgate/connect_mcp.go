package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/mcpgate/mcpgate/pkg/appliance"
	"github.com/mcpgate/mcpgate/pkg/mcpauth"
	"github.com/mcpgate/mcpgate/pkg/oauth"
	"github.com/mcpgate/mcpgate/pkg/secret"
	"github.com/mcpgate/mcpgate/pkg/store"
)

// mcpOAuthFlags are `connect add mcp`'s flags for an OAuth server.
type mcpOAuthFlags struct {
	clientID          string
	clientSecretStdin bool
	clientSecretFile  string
	oauthFlags
}

func (f *mcpOAuthFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.clientID, "client-id", "", "a client registered by hand at the server's authorization server (when it offers neither client ID metadata documents nor dynamic registration)")
	cmd.Flags().BoolVar(&f.clientSecretStdin, "client-secret-stdin", false, "read the --client-id's secret from standard input")
	cmd.Flags().StringVar(&f.clientSecretFile, "client-secret-file", "", "read the --client-id's secret from this file")
	f.oauthFlags.register(cmd)
}

func (c *cli) connectAddMCPCmd() *cobra.Command {
	var name, url string
	var f mcpOAuthFlags
	cmd := &cobra.Command{
		Use:   "mcp --name N --url URL",
		Short: "Connect a remote MCP server; one that answers 401 is authorised through OAuth in the browser",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if name == "" || url == "" {
				return &exitError{2, errors.New("connect add mcp needs --name and --url")}
			}
			return c.withUser(cmd, func(a *appliance.App, u store.User) error {
				ch, needsOAuth, err := a.ProbeMCP(cmd.Context(), url)
				if err != nil {
					return err
				}
				if !needsOAuth {
					return fmt.Errorf("the MCP server at %s did not ask for a token (no HTTP 401), so there is nothing to authorise", url)
				}
				return c.connectMCPOAuth(cmd, a, u, name, url, ch, f)
			})
		},
	}
	cmd.Flags().StringVar(&name, "name", "", "connection name, also the tool-name prefix")
	cmd.Flags().StringVar(&url, "url", "", "the MCP server's Streamable HTTP endpoint (https)")
	f.register(cmd)
	return cmd
}

// connectMCPOAuth authorises mcpgate at the OAuth-protected MCP server at
// url, whose 401 challenge is ch, through the browser flow.
func (c *cli) connectMCPOAuth(cmd *cobra.Command, a *appliance.App, u store.User, name, url string, ch mcpauth.Challenge, f mcpOAuthFlags) error {
	var clientSecret secret.Value
	if f.clientSecretStdin || f.clientSecretFile != "" {
		if f.clientID == "" {
			return &exitError{2, errors.New("a client secret goes with --client-id")}
		}
		s, err := c.readToken(f.clientSecretStdin, f.clientSecretFile)
		if err != nil {
			return err
		}
		clientSecret = s
	}
	ctx := cmd.Context()
	return c.runOAuth(ctx, a, u, url, name, f.oauthFlags, func(redirect string) (oauth.Pending, error) {
		return a.BeginMCPOAuth(ctx, u, name, url, ch, appliance.MCPAuth{
			ClientID: f.clientID, ClientSecret: clientSecret, Scopes: f.scopes, Redirect: redirect,
		})
	})
}
