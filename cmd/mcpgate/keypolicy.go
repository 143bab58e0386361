package main

import (
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/mcpgate/mcpgate/pkg/appliance"
	"github.com/mcpgate/mcpgate/pkg/guard"
	"github.com/mcpgate/mcpgate/pkg/store"
)

// policyFlags are the common guardrails settable on `key create/update`.
type policyFlags struct {
	allow, deny, rates []string
	readOnly           bool
}

func (p *policyFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringSliceVar(&p.allow, "allow", nil, "tools the key may call, by glob (repeatable); '!pattern' denies")
	fl.StringSliceVar(&p.deny, "deny", nil, "tools the key may not call, by glob (repeatable); deny wins")
	fl.BoolVar(&p.readOnly, "read-only", false, "only tools annotated read-only may run")
	fl.StringSliceVar(&p.rates, "rate", nil, "rate limit TOOL_GLOB=N/h (also /s, /m, /d), e.g. gmail_send_message=20/h")
}

func (p *policyFlags) guardFlags(cmd *cobra.Command) guard.Flags {
	f := guard.Flags{Allow: p.allow, Deny: p.deny, Rates: p.rates}
	if cmd.Flags().Changed("read-only") {
		f.ReadOnly = &p.readOnly
	}
	return f
}

func (c *cli) keyUpdateCmd() *cobra.Command {
	var pf policyFlags
	var scope []string
	cmd := &cobra.Command{
		Use:   "update NAME",
		Short: "Add guardrails to a key (--allow, --deny, --read-only, --rate) or change its connections",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return c.withUser(cmd, func(a *appliance.App, u store.User) error {
				if cmd.Flags().Changed("allow-connection") {
					if err := a.UpdateKeyScope(cmd.Context(), u, args[0], scope); err != nil {
						return err
					}
				}
				if err := a.ApplyPolicyFlags(cmd.Context(), u, args[0], pf.guardFlags(cmd)); err != nil {
					return err
				}
				fmt.Fprintf(c.stdout, "updated key %s; `mcpgate key policy show %s` prints its policy\n", args[0], args[0])
				return nil
			})
		},
	}
	pf.register(cmd)
	cmd.Flags().StringSliceVar(&scope, "allow-connection", nil, "the connections the key may use (replaces the list)")
	return cmd
}

func (c *cli) keyPolicyCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "policy", Short: "Set, show or clear a key's full guardrail policy (YAML; see configs/policy.example.yaml)"}
	var def bool
	var file string
	target := func(args []string) (string, error) {
		if def == (len(args) == 1) {
			return "", &exitError{2, fmt.Errorf("name a key, or pass --default for the policy of keys without their own")}
		}
		if def {
			return "", nil
		}
		return args[0], nil
	}
	set := &cobra.Command{
		Use:   "set (KEY | --default) --file policy.yaml",
		Short: "Replace a key's policy (or the default) with a file's; '-' reads stdin",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			name, err := target(args)
			if err != nil {
				return err
			}
			doc, err := c.readPolicyFile(file)
			if err != nil {
				return err
			}
			return c.withUser(cmd, func(a *appliance.App, u store.User) error {
				if err := a.SetPolicy(cmd.Context(), u, name, doc); err != nil {
					return err
				}
				fmt.Fprintln(c.stdout, "policy saved; it applies from the next call")
				return nil
			})
		},
	}
	set.Flags().StringVar(&file, "file", "", "the policy file (required)")
	set.MarkFlagRequired("file")
	show := &cobra.Command{
		Use:   "show (KEY | --default)",
		Short: "Print a key's policy (or the default)",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			name, err := target(args)
			if err != nil {
				return err
			}
			return c.withUser(cmd, func(a *appliance.App, u store.User) error {
				body, ok, err := a.Policy(cmd.Context(), u, name)
				if err != nil {
					return err
				}
				if !ok {
					if name == "" {
						fmt.Fprintln(c.stdout, "# no default policy: keys without their own policy may call every tool of their connections")
					} else {
						fmt.Fprintf(c.stdout, "# key %s has no policy of its own: the default policy applies (`mcpgate key policy show --default`)\n", name)
					}
					return nil
				}
				_, err = io.WriteString(c.stdout, body)
				return err
			})
		},
	}
	clear := &cobra.Command{
		Use:   "clear (KEY | --default)",
		Short: "Delete a key's policy (or the default)",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			name, err := target(args)
			if err != nil {
				return err
			}
			return c.withUser(cmd, func(a *appliance.App, u store.User) error {
				if err := a.ClearPolicy(cmd.Context(), u, name); err != nil {
					return err
				}
				fmt.Fprintln(c.stdout, "policy cleared")
				return nil
			})
		},
	}
	for _, sc := range []*cobra.Command{set, show, clear} {
		sc.Flags().BoolVar(&def, "default", false, "the default policy, for keys without their own")
	}
	cmd.AddCommand(set, show, clear)
	return cmd
}

func (c *cli) readPolicyFile(file string) ([]byte, error) {
	const max = 1 << 20
	var r io.Reader = c.stdin
	if file != "-" {
		f, err := os.Open(file)
		if err != nil {
			return nil, fmt.Errorf("read policy: %w", err)
		}
		defer f.Close()
		r = f
	}
	b, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, fmt.Errorf("read policy: %w", err)
	}
	if len(b) > max {
		return nil, fmt.Errorf("read policy: the file is larger than 1 MiB")
	}
	return b, nil
}
