package main

import (
	"fmt"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/mcpgate/mcpgate/pkg/appliance"
)

func (c *cli) userCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "user", Short: "Add, list and remove users (each has its own data key)"}
	var admin, yes bool
	add := &cobra.Command{
		Use:   "add NAME",
		Short: "Add a user with its own DEK",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return c.withApp(cmd, func(a *appliance.App) error {
				u, err := a.AddUser(cmd.Context(), args[0], admin)
				if err != nil {
					return err
				}
				if c.output == "json" {
					return printJSON(c.stdout, u)
				}
				fmt.Fprintf(c.stdout, "added user %s\n", u.Name)
				return nil
			})
		},
	}
	add.Flags().BoolVar(&admin, "admin", false, "label the user as an admin (for the web sign-in; the CLI's operator may do everything either way)")
	list := &cobra.Command{
		Use:   "list",
		Short: "List users",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return c.withApp(cmd, func(a *appliance.App) error {
				users, err := a.Users(cmd.Context(), "", true)
				if err != nil {
					return err
				}
				type row struct {
					Name    string `json:"name"`
					Admin   bool   `json:"admin"`
					Created string `json:"created"`
				}
				out := []row{}
				var rows [][]string
				for _, u := range users {
					out = append(out, row{u.Name, u.Admin, fmtTime(u.CreatedAt)})
					rows = append(rows, []string{u.Name, strconv.FormatBool(u.Admin), fmtTime(u.CreatedAt)})
				}
				return c.list(out, []string{"NAME", "ADMIN", "CREATED"}, rows)
			})
		},
	}
	remove := &cobra.Command{
		Use:   "remove NAME",
		Short: "Remove a user, its data key and everything it owns (cannot be undone)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := c.confirm(yes, fmt.Sprintf("remove user %s and destroy its data key and credentials", args[0])); err != nil {
				return err
			}
			return c.withApp(cmd, func(a *appliance.App) error {
				if err := a.RemoveUser(cmd.Context(), args[0]); err != nil {
					return err
				}
				fmt.Fprintf(c.stdout, "removed user %s; its credentials can no longer be decrypted\n", args[0])
				return nil
			})
		},
	}
	remove.Flags().BoolVarP(&yes, "yes", "y", false, "do not ask for confirmation")
	cmd.AddCommand(add, list, remove, c.passkeyCmd(), c.sessionCmd())
	return cmd
}
