package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mcpgate/mcpgate/pkg/appliance"
	"github.com/mcpgate/mcpgate/pkg/mcpauth"
	"github.com/mcpgate/mcpgate/pkg/mcpup"
	"github.com/mcpgate/mcpgate/pkg/oauth"
	"github.com/mcpgate/mcpgate/pkg/secret"
	"github.com/mcpgate/mcpgate/pkg/store"
	"github.com/mcpgate/mcpgate/pkg/textsafe"
)

func (c *cli) connectAddMCPCmd() *cobra.Command {
	var name, url, header, command, secretFile string
	var args, env, secretEnv []string
	var secretStdin bool
	var of mcpOAuthFlags
	cmd := &cobra.Command{
		Use:   "mcp --name N (--url URL [--header H] | --command PROG [--arg A]... [--env K=V]... [--secret-env K]...)",
		Short: "Connect an MCP server: remote by URL, or a local command over stdio; secrets come from stdin or a file",
		Long: `Connect an MCP server and approve the tools it offers now.

A remote server: --url, and optionally --header NAME whose value (e.g. "Bearer xyz")
is read from --secret-stdin or --secret-file. A local server: --command with its
--arg list, plain --env K=V variables, and --secret-env K variables whose values
are read from --secret-stdin or --secret-file (the whole input for one variable;
one K=value line each for several). Secrets are sealed in the vault and given to
the server only in the header or its environment, never its argv.

A remote server that answers 401 with OAuth protected resource metadata is
authorised in the browser instead: mcpgate discovers its authorization server,
registers itself (--client-id for a client registered by hand, its secret from
--client-secret-stdin or --client-secret-file) and runs the same flow as
` + "`connect add PROVIDER`" + ` (--local, --no-wait, --scopes).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if name == "" {
				return &exitError{2, errors.New("--name is required: it names the connection and prefixes its tools")}
			}
			cfg := mcpup.Config{URL: url, Header: header, Command: command, Args: args, SecretEnv: secretEnv}
			if len(env) > 0 {
				cfg.Env = map[string]string{}
				for _, kv := range env {
					k, v, ok := strings.Cut(kv, "=")
					if !ok || k == "" {
						return &exitError{2, fmt.Errorf("--env %q: want NAME=value", k)}
					}
					cfg.Env[k] = v
				}
			}
			if err := cfg.Validate(); err != nil {
				return &exitError{2, err}
			}
			var sec mcpup.Secrets
			if header != "" || len(secretEnv) > 0 {
				v, err := c.readToken(secretStdin, secretFile)
				if err != nil {
					return err
				}
				if sec, err = splitSecrets(cfg, v); err != nil {
					return &exitError{2, err}
				}
			} else if secretStdin || secretFile != "" {
				return &exitError{2, errors.New("--secret-stdin and --secret-file give the value of --header or --secret-env; neither was given")}
			}
			return c.withUser(cmd, func(a *appliance.App, u store.User) error {
				if old, err := a.Connection(cmd.Context(), u, name); err == nil && old.Provider == mcpup.Provider &&
					old.AuthKind == mcpup.AuthOAuth && cfg.Remote() && cfg.Header == "" {
					// Authorise an OAuth connection again (expired grant, step-up).
					ch, _, err := a.ProbeMCP(cmd.Context(), url)
					if err != nil {
						return err
					}
					server, err := a.DiscoverMCP(cmd.Context(), url, ch)
					if err != nil {
						return err
					}
					return c.connectMCPOAuth(cmd, a, u, name, url, server, of, true)
				}
				conn, tools, err := a.AddMCPConnection(cmd.Context(), u, name, cfg, sec)
				if errors.Is(err, mcpup.ErrRefused) && cfg.Remote() && cfg.Header == "" {
					// Refused without a header: OAuth, if the server publishes
					// its protected resource metadata. (A server may let
					// initialize through and refuse later: then the
					// challenge is empty and the well-known URLs tell.)
					ch, _, perr := a.ProbeMCP(cmd.Context(), url)
					if perr != nil {
						return err // not a server mcpgate would authorise: the refusal as it was
					}
					server, derr := a.DiscoverMCP(cmd.Context(), url, ch)
					if errors.Is(derr, mcpauth.ErrNoMetadata) {
						return fmt.Errorf("%w: it publishes no OAuth metadata, so give its credential with --header", err)
					}
					if derr != nil {
						return derr
					}
					return c.connectMCPOAuth(cmd, a, u, name, url, server, of, false)
				}
				if err != nil {
					return err
				}
				if c.output == "json" {
					return printJSON(c.stdout, connRow(conn))
				}
				fmt.Fprintf(c.stdout, "connected MCP server %s (connection %s): %d tools approved, named %s_* on /mcp and as they are on /mcp/%s\n",
					textsafe.Clean(conn.Account), strconv.Quote(conn.Name), len(tools), conn.Name, conn.Name)
				return nil
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&name, "name", "", "connection name: the tool prefix on /mcp and the path /mcp/NAME")
	f.StringVar(&url, "url", "", "the remote server's MCP endpoint (Streamable HTTP, or HTTP+SSE)")
	f.StringVar(&header, "header", "", "a header sent to the remote server, its value read from --secret-stdin or --secret-file")
	f.StringVar(&command, "command", "", "the local server's program, run over stdio")
	f.StringArrayVar(&args, "arg", nil, "an argument of --command (repeat for each)")
	f.StringArrayVar(&env, "env", nil, "an environment variable NAME=value for --command (not secret; repeat)")
	f.StringArrayVar(&secretEnv, "secret-env", nil, "a secret environment variable NAME for --command, its value read from --secret-stdin or --secret-file (repeat)")
	f.BoolVar(&secretStdin, "secret-stdin", false, "read the secret value(s) from standard input")
	f.StringVar(&secretFile, "secret-file", "", "read the secret value(s) from this file")
	of.register(cmd)
	return cmd
}

// splitSecrets assigns the input read as secret: the whole of it to the
// header or to a single --secret-env, else one NAME=value line each.
func splitSecrets(cfg mcpup.Config, v secret.Value) (mcpup.Secrets, error) {
	if cfg.Header != "" {
		return mcpup.Secrets{Header: v.Reveal()}, nil
	}
	if len(cfg.SecretEnv) == 1 {
		return mcpup.Secrets{Env: map[string]string{cfg.SecretEnv[0]: v.Reveal()}}, nil
	}
	want := map[string]bool{}
	for _, k := range cfg.SecretEnv {
		want[k] = true
	}
	sec := mcpup.Secrets{Env: map[string]string{}}
	sc := bufio.NewScanner(bytes.NewReader(v.Bytes()))
	sc.Buffer(make([]byte, 0, 4096), maxTokenBytes)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		k, val, ok := strings.Cut(line, "=")
		if !ok || !want[k] {
			// Name the variable, never the value.
			return sec, fmt.Errorf("the secret input has a line that is not NAME=value for one of the --secret-env names (%s)", strings.Join(cfg.SecretEnv, ", "))
		}
		if _, dup := sec.Env[k]; dup {
			return sec, fmt.Errorf("the secret input gives %s twice", k)
		}
		sec.Env[k] = val
	}
	for _, k := range cfg.SecretEnv {
		if sec.Env[k] == "" {
			return sec, fmt.Errorf("the secret input gives no value for %s (one NAME=value line each)", k)
		}
	}
	return sec, nil
}

func (c *cli) connectToolsCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "tools NAME",
		Short: "List an MCP server's tools and whether each is approved",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return c.withUser(cmd, func(a *appliance.App, u store.User) error {
				tools, _, err := a.MCPTools(cmd.Context(), u, args[0])
				if err != nil {
					return err
				}
				type row struct {
					Name        string `json:"name"`
					State       string `json:"state"`
					Description string `json:"description"`
				}
				out := []row{}
				var rows [][]string
				for _, t := range tools {
					out = append(out, row{t.Name, t.State, t.Description})
					rows = append(rows, []string{textsafe.Clean(t.Name), t.State, textsafe.Clean(t.Description)})
				}
				return c.list(out, []string{"TOOL", "STATE", "DESCRIPTION"}, rows)
			})
		},
	}
}

func (c *cli) connectApproveCmd() *cobra.Command {
	var yes bool
	cmd := &cobra.Command{
		Use:   "approve NAME",
		Short: "Show how an MCP server's tools changed since approval, and approve them as they are now",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return c.withUser(cmd, func(a *appliance.App, u store.User) error {
				changes, err := a.ApproveMCP(cmd.Context(), u, args[0], func(ch []mcpup.Change) error {
					for _, x := range ch {
						io.WriteString(c.stdout, textsafe.Lines(x.Diff()))
					}
					return c.confirm(yes, fmt.Sprintf("approve %d changed tools of %s", len(ch), args[0]))
				})
				if err != nil {
					return err
				}
				if len(changes) == 0 {
					fmt.Fprintf(c.stdout, "%s: every tool is approved as it is\n", args[0])
					return nil
				}
				fmt.Fprintf(c.stdout, "%s: approved %d changes\n", args[0], len(changes))
				return nil
			})
		},
	}
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "approve without asking")
	return cmd
}

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

// connectMCPOAuth authorises mcpgate at the OAuth-protected MCP server at
// url (discovered as server) through the browser flow. A new
// connection's tools are approved as they are now; again (an existing
// connection authorised anew), changed tools stay withheld until
// `connect approve`.
func (c *cli) connectMCPOAuth(cmd *cobra.Command, a *appliance.App, u store.User, name, url string, server *mcpauth.Server, f mcpOAuthFlags, again bool) error {
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
	conn, err := c.runOAuth(ctx, a, u, url, name, f.oauthFlags, func(redirect string) (oauth.Pending, error) {
		return a.BeginMCPOAuth(ctx, u, name, server, appliance.MCPAuth{
			ClientID: f.clientID, ClientSecret: clientSecret, Scopes: f.scopes, Redirect: redirect,
		})
	})
	if err != nil || conn.ID == "" {
		if err == nil {
			fmt.Fprintf(c.stdout, "Then approve its tools with `mcpgate connect approve %s`.\n", name)
		}
		return err
	}
	if again {
		if c.output == "json" {
			return printJSON(c.stdout, connRow(conn))
		}
		fmt.Fprintf(c.stdout, "authorised MCP server %s again (connection %s, scopes %s)\n",
			textsafe.Clean(conn.Account), strconv.Quote(conn.Name), strconv.Quote(conn.Scopes))
		return nil
	}
	// Authorised: approve (pin) the tools it offers now, as a
	// connection with a static header is at connect.
	approved, err := a.ApproveMCP(ctx, u, name, func([]mcpup.Change) error { return nil })
	if err != nil {
		return fmt.Errorf("authorised, but listing the server's tools failed: %w (try `mcpgate connect approve %s`)", err, name)
	}
	if c.output == "json" {
		return printJSON(c.stdout, connRow(conn))
	}
	fmt.Fprintf(c.stdout, "connected MCP server %s through OAuth (connection %s): %d tools approved, named %s_* on /mcp and as they are on /mcp/%s\n",
		textsafe.Clean(conn.Account), strconv.Quote(conn.Name), len(approved), conn.Name, conn.Name)
	return nil
}
