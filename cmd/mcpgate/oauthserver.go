package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mcpgate/mcpgate/pkg/appliance"
	"github.com/mcpgate/mcpgate/pkg/store"
)

func (c *cli) oauthCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "oauth", Short: "mcpgate's own authorization server: approve a sign-in, manage its clients"}
	approve := &cobra.Command{
		Use:   "approve CODE",
		Short: "Approve, as --user, the sign-in whose page shows CODE (once, within ten minutes)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return c.withUser(cmd, func(a *appliance.App, u store.User) error {
				client, resource, err := a.ApproveOAuth(cmd.Context(), u, args[0])
				if err != nil {
					return err
				}
				fmt.Fprintf(c.stdout, "approved %q for user %s (endpoint %s); the browser now asks for consent\n", client, u.Name, resource)
				return nil
			})
		},
	}
	cmd.AddCommand(approve, c.oauthClientCmd())
	return cmd
}

func (c *cli) oauthClientCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "client", Short: "Add, list and remove OAuth clients registered by hand (with a secret)"}
	var name string
	var redirects []string
	add := &cobra.Command{
		Use:   "add --name NAME --redirect-uri URI",
		Short: "Register a client; its secret is printed once",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return c.withApp(cmd, func(a *appliance.App) error {
				cl, sec, err := a.AddOAuthClient(cmd.Context(), name, redirects)
				if err != nil {
					return err
				}
				if c.output == "json" {
					return printJSON(c.stdout, map[string]string{"client_id": cl.ID, "client_secret": sec.Reveal(), "name": cl.Name})
				}
				fmt.Fprintf(c.stdout, "client_id:     %s\nclient_secret: %s\n(the secret is shown this once)\n", cl.ID, sec.Reveal())
				return nil
			})
		},
	}
	add.Flags().StringVar(&name, "name", "", "the client's name, shown on the consent page")
	add.Flags().StringSliceVar(&redirects, "redirect-uri", nil, "a redirect URI the client uses (repeat for more)")
	list := &cobra.Command{
		Use:   "list",
		Short: "List clients (registered and self-registered)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return c.withApp(cmd, func(a *appliance.App) error {
				cs, err := a.OAuthClients(cmd.Context())
				if err != nil {
					return err
				}
				type row struct {
					ID        string   `json:"client_id"`
					Name      string   `json:"name"`
					Kind      string   `json:"kind"`
					Redirects []string `json:"redirect_uris"`
					Created   string   `json:"created"`
					LastUsed  string   `json:"last_used"`
				}
				out := []row{}
				var rows [][]string
				for _, cl := range cs {
					r := row{cl.ID, cl.Name, cl.Kind, cl.RedirectURIs, fmtTime(cl.CreatedAt), fmtTime(cl.LastUsedAt)}
					out = append(out, r)
					rows = append(rows, []string{r.ID, r.Name, r.Kind, strings.Join(r.Redirects, ","), r.Created, r.LastUsed})
				}
				return c.list(out, []string{"CLIENT ID", "NAME", "KIND", "REDIRECT URIS", "CREATED", "LAST USED"}, rows)
			})
		},
	}
	remove := &cobra.Command{
		Use:   "remove CLIENT_ID",
		Short: "Remove a client (its grants stay until `mcpgate key revoke`)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return c.withApp(cmd, func(a *appliance.App) error {
				if err := a.RemoveOAuthClient(cmd.Context(), args[0]); err != nil {
					return err
				}
				fmt.Fprintf(c.stdout, "removed client %s\n", args[0])
				return nil
			})
		},
	}
	cmd.AddCommand(add, list, remove)
	return cmd
}
