package main

import (
	"fmt"
	"sort"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/mcpgate/mcpgate/pkg/appliance"

	"github.com/mcpgate/mcpgate/pkg/store"
	"github.com/mcpgate/mcpgate/pkg/vault"
)

func (c *cli) vaultCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "vault", Short: "Show the vault's keys; rotate the KEK and the users' DEKs"}
	cmd.AddCommand(c.vaultStatusCmd(), c.vaultRotateKEKCmd(), c.vaultRotateDEKCmd())
	return cmd
}

func (c *cli) vaultStatusCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "status",
		Short: "Show the key provider, the KEK, how many DEKs each KEK wraps, and unfinished rotations",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return c.withApp(cmd, func(a *appliance.App) error {
				st, err := a.Status(cmd.Context())
				if err != nil {
					return err
				}
				if c.output == "json" {
					return printJSON(c.stdout, st)
				}
				fmt.Fprintf(c.stdout, "key provider: %s\nKEK id:       %s\nusers:        %d\n", st.Provider, st.KEKID, st.Users)
				ids := make([]string, 0, len(st.DEKsByKEK))
				for id := range st.DEKsByKEK {
					ids = append(ids, id)
				}
				sort.Strings(ids)
				var rows [][]string
				for _, id := range ids {
					mark := ""
					if id == st.KEKID {
						mark = "current"
					}
					rows = append(rows, []string{id, strconv.Itoa(st.DEKsByKEK[id]), mark})
				}
				fmt.Fprintln(c.stdout)
				printTable(c.stdout, []string{"KEK", "DEKS", ""}, rows)
				if st.Unfinished {
					fmt.Fprintf(c.stdout, "\nrotation unfinished: %d DEK(s) under another KEK, %d user(s) with old DEK versions; run the rotation again to finish it\n", st.OldKEK, st.OldDEKs)
				} else {
					fmt.Fprintln(c.stdout, "\nno rotation is unfinished")
				}
				return nil
			})
		},
	}
}

func (c *cli) vaultRotateKEKCmd() *cobra.Command {
	var to string
	cmd := &cobra.Command{
		Use:   "rotate-kek [--to PROVIDER_URL]",
		Short: "Rewrap every DEK under a new KEK (local file, KMS key); serve keeps running",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return c.withApp(cmd, func(a *appliance.App) error {
				res, target, err := a.RotateKEK(cmd.Context(), to)
				if err != nil {
					return fmt.Errorf("%w\nnothing is lost: the DEKs not yet rewrapped stay under the old KEK; run the same command again to finish", err)
				}
				if target != a.Config.KeyProvider {
					path, err := a.SetKeyProvider(target)
					switch {
					case err != nil:
						fmt.Fprintf(c.stderr, "warning: could not update the config file (%v): set key_provider to %s yourself\n", err, target)
					case path == "":
						fmt.Fprintf(c.stderr, "set key_provider (or MCPGATE_KEY_PROVIDER) to %s for the commands and serve to use it\n", target)
					default:
						fmt.Fprintf(c.stdout, "key_provider in %s is now %s\n", path, target)
					}
				}
				fmt.Fprintf(c.stdout, "done: %d DEK(s) rewrapped, %d already under the new KEK; the old KEK is no longer needed (keep a backup until every serve has restarted)\n", res.Rewrapped, res.Already)
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&to, "to", "", "provider URL of the new KEK, e.g. local:///var/lib/mcpgate/kek-2026 or awskms://alias/mcpgate (default: finish a rotation to the configured one)")
	return cmd
}

func (c *cli) vaultRotateDEKCmd() *cobra.Command {
	var all bool
	cmd := &cobra.Command{
		Use:   "rotate-dek (--user NAME | --all-users)",
		Short: "Give users a new DEK and re-encrypt their credentials under it",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return c.withApp(cmd, func(a *appliance.App) error {
				if !all && !cmd.Flags().Changed("user") && c.userName == "" {
					return &exitError{2, fmt.Errorf("say whose DEK to rotate: --user NAME or --all-users")}
				}
				users, err := a.Users(cmd.Context(), c.userName, all)
				if err != nil {
					return err
				}
				pending := 0
				err = a.RotateDEK(cmd.Context(), users, func(u store.User, r vault.DEKResult) {
					pending += r.Pending
					fmt.Fprintf(c.stdout, "%s: DEK version %d, %d credential(s) re-encrypted, %d old version(s) deleted\n", u.Name, r.Version, r.Reencrypted, r.Retired)
				})
				if err != nil {
					return fmt.Errorf("%w\nnothing is lost: run the same command again to finish", err)
				}
				if pending > 0 {
					return &exitError{1, fmt.Errorf("%d old DEK version(s) are still in use (pending authorizations expire within 15 minutes); run the rotation again", pending)}
				}
				return nil
			})
		},
	}
	cmd.Flags().BoolVar(&all, "all-users", false, "rotate every user's DEK")
	return cmd
}
