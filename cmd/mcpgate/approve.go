package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/mcpgate/mcpgate/pkg/appliance"
	"github.com/mcpgate/mcpgate/pkg/store"
)

func (c *cli) approveCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "approve", Short: "List, allow and deny tool calls waiting for a person's approval"}
	var all bool
	list := &cobra.Command{
		Use:   "list",
		Short: "List --user's calls waiting for approval (--all: decided ones too)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return c.withUser(cmd, func(a *appliance.App, u store.User) error {
				as, err := a.Approvals(cmd.Context(), u, !all)
				if err != nil {
					return err
				}
				type row struct {
					ID        string `json:"id"`
					Status    string `json:"status"`
					Tool      string `json:"tool"`
					Key       string `json:"key_id"`
					Rule      string `json:"rule"`
					Arguments string `json:"arguments"`
					ArgsHash  string `json:"args_sha256"`
					Created   string `json:"created"`
					Expires   string `json:"expires"`
					DecidedBy string `json:"decided_by,omitempty"`
					Reason    string `json:"reason,omitempty"`
				}
				out := []row{}
				var rows [][]string
				for _, x := range as {
					r := row{x.ID, x.Status, x.Tool, x.KeyID, x.Rule, x.Arguments, x.ArgsHash, fmtTime(x.CreatedAt), fmtTime(x.ExpiresAt), x.DecidedBy, x.Reason}
					out = append(out, r)
					rows = append(rows, []string{r.ID, r.Status, r.Tool, r.Key, r.Expires, r.Arguments})
				}
				return c.list(out, []string{"ID", "STATUS", "TOOL", "KEY", "EXPIRES", "ARGUMENTS"}, rows)
			})
		},
	}
	list.Flags().BoolVar(&all, "all", false, "list decided and expired approvals too")
	decide := func(allow bool) func(cmd *cobra.Command, args []string) error {
		return func(cmd *cobra.Command, args []string) error {
			reason, _ := cmd.Flags().GetString("reason")
			return c.withUser(cmd, func(a *appliance.App, u store.User) error {
				d, err := a.DecideApproval(cmd.Context(), u, args[0], allow, reason)
				if err != nil {
					return err
				}
				if c.output == "json" {
					return printJSON(c.stdout, map[string]string{"id": d.ID, "status": d.Status, "tool": d.Tool, "decided_by": d.DecidedBy})
				}
				fmt.Fprintf(c.stdout, "%s %s (%s); the waiting call, or its retry with the same arguments, goes on\n", d.Status, d.ID, d.Tool)
				return nil
			})
		}
	}
	allow := &cobra.Command{
		Use:   "allow ID",
		Short: "Approve the call: it runs once, for the same key, tool and arguments",
		Args:  cobra.ExactArgs(1),
		RunE:  decide(true),
	}
	allow.Flags().String("reason", "", "why, recorded with the decision")
	deny := &cobra.Command{
		Use:   "deny ID [--reason R]",
		Short: "Refuse the call; the model is told the reason",
		Args:  cobra.ExactArgs(1),
		RunE:  decide(false),
	}
	deny.Flags().String("reason", "", "why, told to the model and recorded")
	cmd.AddCommand(list, allow, deny)
	return cmd
}
