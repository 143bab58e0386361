package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/mcpgate/mcpgate/pkg/appliance"
	"github.com/mcpgate/mcpgate/pkg/connector"
	"github.com/mcpgate/mcpgate/pkg/mcpup"
	"github.com/mcpgate/mcpgate/pkg/oauth"
	"github.com/mcpgate/mcpgate/pkg/safefile"
	"github.com/mcpgate/mcpgate/pkg/secret"
	"github.com/mcpgate/mcpgate/pkg/store"
	"github.com/mcpgate/mcpgate/pkg/textsafe"
)

// maxTokenBytes bounds what is read as a token.
const maxTokenBytes = 64 << 10

func (c *cli) connectCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "connect", Short: "Add, list, test and remove upstream connections"}
	cmd.AddCommand(c.connectAddCmd(), c.connectListCmd(), c.connectTestCmd(), c.connectToolsCmd(), c.connectApproveCmd(), c.connectRemoveCmd())
	return cmd
}

func (c *cli) connectAddCmd() *cobra.Command {
	var name, tokenFile string
	var tokenStdin bool
	var oa oauthFlags
	cmd := &cobra.Command{
		Use:   "add PROVIDER",
		Short: "Connect an upstream account; the token is read from stdin or a file, never from argv",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if _, err := connector.Lookup(args[0]); err != nil {
				return &exitError{2, err}
			}
			return c.withUser(cmd, func(a *appliance.App, u store.User) error {
				if !tokenStdin && tokenFile == "" && a.UsesOAuth(args[0]) {
					return c.connectOAuth(cmd.Context(), a, u, args[0], name, oa)
				}
				tok, err := c.readToken(tokenStdin, tokenFile)
				if err != nil {
					return err
				}
				conn, err := a.AddTokenConnection(cmd.Context(), u, args[0], name, tok)
				if err != nil {
					return err
				}
				return c.printConnected(conn)
			})
		},
	}
	cmd.Flags().StringVar(&name, "name", "", "connection name, also the tool-name prefix (default: the provider)")
	cmd.Flags().BoolVar(&tokenStdin, "token-stdin", false, "read the token from standard input")
	cmd.Flags().StringVar(&tokenFile, "token-file", "", "read the token from this file")
	oa.register(cmd)
	cmd.AddCommand(c.connectAddMCPCmd())
	return cmd
}

// readToken takes the token from a file, stdin, or a hidden prompt.
func (c *cli) readToken(fromStdin bool, file string) (secret.Value, error) {
	var b []byte
	var err error
	switch {
	case file != "" && fromStdin:
		return secret.Value{}, &exitError{2, errors.New("use one of --token-stdin and --token-file")}
	case file != "":
		b, err = readLimited(file)
	case fromStdin:
		b, err = io.ReadAll(io.LimitReader(c.stdin, maxTokenBytes+1))
	default:
		f, ok := c.stdin.(*os.File)
		if !ok || !term.IsTerminal(int(f.Fd())) {
			return secret.Value{}, &exitError{2, errors.New("no token given: pass --token-stdin (and pipe it in) or --token-file FILE")}
		}
		fmt.Fprint(c.stderr, "Paste the token (input is hidden): ")
		b, err = term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(c.stderr)
	}
	if err != nil {
		return secret.Value{}, fmt.Errorf("read token: %w", err)
	}
	if len(b) > maxTokenBytes {
		return secret.Value{}, errors.New("read token: more than 64 KiB; is this the right input?")
	}
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return secret.Value{}, errors.New("the token is empty")
	}
	return secret.New(b), nil
}

// readLimited reads a token file: a regular file, or a symbolic link to
// one (as secret mounts are); a FIFO or device is refused at once.
func readLimited(path string) ([]byte, error) {
	b, _, err := safefile.Read(path, maxTokenBytes, safefile.FollowSymlinks)
	if errors.Is(err, safefile.ErrTooLarge) {
		return nil, errors.New("more than 64 KiB; is this the right file?")
	}
	return b, err
}

type connJSON struct {
	Name     string `json:"name"`
	Provider string `json:"provider"`
	Account  string `json:"account"`
	Auth     string `json:"auth"`
	Status   string `json:"status"`
	Scopes   string `json:"scopes,omitempty"`
	Expires  string `json:"expires,omitempty"`
	Created  string `json:"created"`
	// Target is an MCP server's URL or command line; Tools counts the
	// tools a key can reach (an MCP server's approved ones).
	Target string `json:"target,omitempty"`
	Tools  int    `json:"tools"`
}

func connRow(c store.Connection) connJSON {
	r := connJSON{Name: c.Name, Provider: c.Provider, Account: c.Account, Auth: c.AuthKind, Status: connStatus(c),
		Scopes: c.Scopes, Created: fmtTime(c.CreatedAt), Tools: len(appliance.ConnectionToolNames(c))}
	if cfg, err := mcpup.ParseConfig(c.MCP); err == nil && c.Provider == mcpup.Provider {
		r.Target = cfg.Target()
	}
	if !c.ExpiresAt.IsZero() {
		r.Expires = fmtTime(c.ExpiresAt)
	}
	return r
}

// connStatus is how a connection stands: ok, needs re-auth (its tools
// say to connect again), or expired (the access token lapsed; it is
// refreshed on next use if a refresh token was issued).
func connStatus(c store.Connection) string {
	switch {
	case c.Status == oauth.StatusNeedsReauth:
		return "needs re-auth"
	case !c.ExpiresAt.IsZero() && time.Now().After(c.ExpiresAt):
		return "expired"
	case c.Status == "":
		return "ok"
	}
	return c.Status
}

func (c *cli) connectListCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List connections (never their credentials)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return c.withUser(cmd, func(a *appliance.App, u store.User) error {
				conns, err := a.Connections(cmd.Context(), u)
				if err != nil {
					return fmt.Errorf("list connections: %w", err)
				}
				out := []connJSON{}
				var rows [][]string
				for _, conn := range conns {
					r := connRow(conn)
					out = append(out, r)
					exp := r.Expires
					if exp == "" {
						exp = "-"
					}
					target := r.Target
					if target == "" {
						target = "-"
					}
					rows = append(rows, []string{r.Name, r.Provider, textsafe.Clean(r.Account), r.Auth, r.Status, exp, r.Created,
						strconv.Itoa(r.Tools), textsafe.Clean(target)})
				}
				return c.list(out, []string{"NAME", "PROVIDER", "ACCOUNT", "AUTH", "STATUS", "EXPIRES", "CREATED", "TOOLS", "TARGET"}, rows)
			})
		},
	}
}

func (c *cli) connectTestCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "test NAME",
		Short: "Check a connection's credential against the provider",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return c.withUser(cmd, func(a *appliance.App, u store.User) error {
				if a.IsMCP(cmd.Context(), u, args[0]) {
					server, n, err := a.TestMCP(cmd.Context(), u, args[0])
					if err != nil {
						return err
					}
					fmt.Fprintf(c.stdout, "%s: ok, %s answers with %d tools\n", args[0], textsafe.Clean(server), n)
					return nil
				}
				account, err := a.TestConnection(cmd.Context(), u, args[0])
				if err != nil {
					return err
				}
				fmt.Fprintf(c.stdout, "%s: ok, authenticated as %s\n", args[0], textsafe.Clean(account))
				return nil
			})
		},
	}
}

func (c *cli) connectRemoveCmd() *cobra.Command {
	var yes, keepRemote bool
	cmd := &cobra.Command{
		Use:   "remove NAME",
		Short: "Delete a connection and its stored credential",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := c.confirm(yes, "delete connection "+args[0]+" and its credential"); err != nil {
				return err
			}
			return c.withUser(cmd, func(a *appliance.App, u store.User) error {
				revokeErr, err := a.RemoveConnection(cmd.Context(), u, args[0], keepRemote)
				if err != nil {
					return err
				}
				fmt.Fprintf(c.stdout, "removed connection %s\n", args[0])
				if revokeErr != nil {
					fmt.Fprintf(c.stderr, "warning: %s; revoke it in the provider's settings\n", revokeErr)
				}
				return nil
			})
		},
	}
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "do not ask for confirmation")
	cmd.Flags().BoolVar(&keepRemote, "keep-remote", false, "do not revoke the token at the provider")
	return cmd
}
