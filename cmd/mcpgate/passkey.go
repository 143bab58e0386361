package main

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mcpgate/mcpgate/pkg/appliance"
	"github.com/mcpgate/mcpgate/pkg/store"
)

func (c *cli) passkeyCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "passkey", Short: "Passkeys with which --user signs in to mcpgate's authorization server"}
	add := &cobra.Command{
		Use:   "add",
		Short: "Print a one-time link that registers a passkey for --user (it works once, for ten minutes)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return c.withUser(cmd, func(a *appliance.App, u store.User) error {
				link, err := a.PasskeyLink(cmd.Context(), u)
				if err != nil {
					return err
				}
				if c.output == "json" {
					return printJSON(c.stdout, map[string]string{"user": u.Name, "link": link.Reveal()})
				}
				fmt.Fprintf(c.stdout, "Open this link in the browser that should keep the passkey (once, within ten minutes):\n%s\n", link.Reveal())
				return nil
			})
		},
	}
	list := &cobra.Command{
		Use:   "list",
		Short: "List --user's passkeys",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return c.withUser(cmd, func(a *appliance.App, u store.User) error {
				keys, err := a.Passkeys(cmd.Context(), u)
				if err != nil {
					return err
				}
				type row struct {
					ID           string   `json:"id"`
					Transports   []string `json:"transports"`
					SignCount    uint32   `json:"sign_count"`
					CloneWarning bool     `json:"clone_warning"`
					Created      string   `json:"created"`
					LastUsed     string   `json:"last_used"`
				}
				out := []row{}
				var rows [][]string
				for _, p := range keys {
					out = append(out, row{p.ID, p.Transports, p.SignCount, p.CloneWarning, fmtTime(p.CreatedAt), fmtTime(p.LastUsedAt)})
					rows = append(rows, []string{p.ID, strings.Join(p.Transports, ","), strconv.FormatUint(uint64(p.SignCount), 10),
						strconv.FormatBool(p.CloneWarning), fmtTime(p.CreatedAt), fmtTime(p.LastUsedAt)})
				}
				return c.list(out, []string{"ID", "TRANSPORTS", "SIGN COUNT", "CLONE WARNING", "CREATED", "LAST USED"}, rows)
			})
		},
	}
	var yes bool
	remove := &cobra.Command{
		Use:   "remove ID",
		Short: "Remove one of --user's passkeys; browsers signed in with it are signed out",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := c.confirm(yes, "remove passkey "+args[0]); err != nil {
				return err
			}
			return c.withUser(cmd, func(a *appliance.App, u store.User) error {
				if err := a.RemovePasskey(cmd.Context(), u, args[0]); err != nil {
					return err
				}
				fmt.Fprintf(c.stdout, "removed passkey %s of user %s; it can no longer sign in\n", args[0], u.Name)
				return nil
			})
		},
	}
	remove.Flags().BoolVarP(&yes, "yes", "y", false, "do not ask for confirmation")
	cmd.AddCommand(add, list, remove)
	return cmd
}

func (c *cli) sessionCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "session", Short: "Browsers signed in as --user with a passkey"}
	list := &cobra.Command{
		Use:   "list",
		Short: "List --user's signed-in browsers",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return c.withUser(cmd, func(a *appliance.App, u store.User) error {
				ss, err := a.BrowserSessions(cmd.Context(), u)
				if err != nil {
					return err
				}
				type row struct {
					ID      string `json:"id"`
					Passkey string `json:"passkey"`
					Created string `json:"created"`
					Expires string `json:"expires"`
				}
				out := []row{}
				var rows [][]string
				for _, s := range ss {
					out = append(out, row{s.ID, s.PasskeyID, fmtTime(s.CreatedAt), fmtTime(s.ExpiresAt)})
					rows = append(rows, []string{s.ID, s.PasskeyID, fmtTime(s.CreatedAt), fmtTime(s.ExpiresAt)})
				}
				return c.list(out, []string{"ID", "PASSKEY", "CREATED", "EXPIRES"}, rows)
			})
		},
	}
	var all bool
	revoke := &cobra.Command{
		Use:   "revoke ID|--all",
		Short: "Sign out one of --user's browsers, or all of them; it is refused on its next request",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if all == (len(args) == 1) {
				return &exitError{2, errors.New("give a session ID or --all (see `mcpgate user session list`)")}
			}
			return c.withUser(cmd, func(a *appliance.App, u store.User) error {
				if all {
					n, err := a.RevokeSessions(cmd.Context(), u)
					if err != nil {
						return err
					}
					fmt.Fprintf(c.stdout, "revoked %d session(s) of user %s\n", n, u.Name)
					return nil
				}
				if err := a.RevokeSession(cmd.Context(), u, args[0]); err != nil {
					return err
				}
				fmt.Fprintf(c.stdout, "revoked session %s of user %s\n", args[0], u.Name)
				return nil
			})
		},
	}
	revoke.Flags().BoolVar(&all, "all", false, "revoke all of --user's sessions")
	cmd.AddCommand(list, revoke)
	return cmd
}
