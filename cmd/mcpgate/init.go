package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/mcpgate/mcpgate/pkg/appliance"
)

func (c *cli) initCmd() *cobra.Command {
	var owner, serveRole, passwordFile string
	var passwordStdin, printSQL bool
	cmd := &cobra.Command{
		Use:   "init",
		Short: "Create the data dir, config file, KEK, database and owner user (idempotent)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := c.loadConfig(cmd)
			if err != nil {
				return err
			}
			if printSQL {
				role, stmts, err := appliance.ServeLoginSQL(cmd.Context(), cfg, serveRole)
				if err != nil {
					return err
				}
				if stmts == nil {
					return &exitError{2, errors.New("--print-sql: the database is not PostgreSQL, which alone has logins to create")}
				}
				for _, q := range stmts {
					fmt.Fprintln(c.stdout, q+";")
				}
				fmt.Fprintln(c.stdout, "-- then, if serve logs in with a password: \\password "+role)
				return nil
			}
			opts := appliance.InitOptions{Owner: owner, ServeRole: serveRole}
			if passwordStdin || passwordFile != "" {
				if opts.ServePassword, err = c.readToken(passwordStdin, passwordFile); err != nil {
					return fmt.Errorf("serve password: %w", err)
				}
			}
			res, err := appliance.InitWith(cmd.Context(), cfg, opts)
			if err != nil {
				return err
			}
			defer func() {
				for _, n := range res.Notes {
					fmt.Fprintln(c.stderr, "note: "+n)
				}
			}()
			for _, w := range res.Warnings {
				fmt.Fprintf(c.stderr, "warning: %s\n", w)
			}
			if c.output == "json" {
				return printJSON(c.stdout, map[string]any{"data_dir": cfg.DataDir, "created": res.Created, "owner": res.Owner, "notes": res.Notes})
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
	cmd.Flags().StringVar(&serveRole, "serve-role", "", "PostgreSQL: the login role to create for serve (default mcpgate_serve)")
	cmd.Flags().BoolVar(&passwordStdin, "serve-password-stdin", false, "PostgreSQL: read the serve role's password from standard input")
	cmd.Flags().StringVar(&passwordFile, "serve-password-file", "", "PostgreSQL: read the serve role's password from this file")
	cmd.Flags().BoolVar(&printSQL, "print-sql", false, "PostgreSQL: print the SQL that creates serve's login, for a DBA to run, and change nothing")
	cmd.Flags().Bool("non-interactive", false, "never prompt (implied when stdin is not a terminal)")
	return cmd
}
