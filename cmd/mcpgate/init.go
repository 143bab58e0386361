package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/mcpgate/mcpgate/pkg/appliance"
)

func (c *cli) initCmd() *cobra.Command {
	var owner string
	cmd := &cobra.Command{
		Use:   "init",
		Short: "Create the data dir, config file, KEK, database and owner user (idempotent)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := c.loadConfig(cmd)
			if err != nil {
				return err
			}
			res, err := appliance.Init(cmd.Context(), cfg, owner)
			if err != nil {
				return err
			}
			for _, w := range res.Warnings {
				fmt.Fprintf(c.stderr, "warning: %s\n", w)
			}
			if c.output == "json" {
				return printJSON(c.stdout, map[string]any{"data_dir": cfg.DataDir, "created": res.Created, "owner": res.Owner})
			}
			if len(res.Created) == 0 {
				fmt.Fprintf(c.stdout, "mcpgate is already initialised in %s (owner %s); nothing changed.\n", cfg.DataDir, res.Owner)
				return nil
			}
			for _, what := range res.Created {
				fmt.Fprintf(c.stdout, "created %s\n", what)
			}
			fmt.Fprintf(c.stdout, "mcpgate is initialised in %s; owner user: %s\n", cfg.DataDir, res.Owner)
			fmt.Fprintln(c.stdout, "Back up the KEK file: without it no stored credential can be opened.")
			return nil
		},
	}
	def := os.Getenv("USER")
	if appliance.ValidName("user", def) != nil {
		def = "owner"
	}
	cmd.Flags().StringVar(&owner, "owner", def, "name of the owner user to create")
	cmd.Flags().Bool("non-interactive", false, "never prompt (implied when stdin is not a terminal)")
	return cmd
}
