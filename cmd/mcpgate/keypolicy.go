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
				gf := pf.guardFlags(cmd)
				if err := a.ApplyPolicyFlags(cmd.Context(), u, args[0], gf); err != nil {
					return err
				}
				if gf.ReadOnly != nil && !*gf.ReadOnly {
					eff, err := a.EffectivePolicy(cmd.Context(), u, args[0])
					if err != nil {
						return err
					}
					if eff.Default.ReadOnly() {
						fmt.Fprintf(c.stderr, "note: the default policy is read-only, and it still applies to key %s: a key's own policy cannot lift it (put read_only in the other keys' policies instead)\n", args[0])
					}
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
	cmd := &cobra.Command{Use: "policy", Short: "Set, show or clear a key's guardrail policy, or the default every key gets (YAML; see configs/policy.example.yaml)"}
	var def bool
	var file string
	target := func(args []string) (string, error) {
		if def == (len(args) == 1) {
			return "", &exitError{2, fmt.Errorf("name a key, or pass --default for the user's default policy")}
		}
		if def {
			return "", nil
		}
		return args[0], nil
	}
	set := &cobra.Command{
		Use:   "set (KEY | --default) --file policy.yaml",
		Short: "Replace a key's policy (or the default) with a file's; '-' reads stdin",
		Long: `Replace a key's own policy, or with --default the user's default policy, with
a file's ('-' reads stdin).

The default policy is the floor for every key of the user: a key's own policy
can only add restrictions to it, never lift one. Their deny lists, rules and
rate limits all apply; a key is read-only if either says so; when both have
an allow list a tool must be on both; the smaller max_result_bytes wins.

To give one key more than the others, put less in the default and more in
the other keys' own policies: what is in the default holds for every key.`,
		Args: cobra.MaximumNArgs(1),
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
	var own bool
	show := &cobra.Command{
		Use:   "show (KEY | --default)",
		Short: "Print what applies to a key's calls, and where each part comes from",
		Long: `Print a key's effective policy: the user's default policy, which every key
gets, and the key's own policy on top, one restriction a line with the layer
it comes from (default or key). Every line applies to every call; none lifts
another. -o json prints the same as a document.

--default prints the default policy's document; KEY --own prints the key's
own document, as stored, to edit and set again.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			name, err := target(args)
			if err != nil {
				return err
			}
			if own && name == "" {
				return &exitError{2, fmt.Errorf("--own is for a key's own policy; --default already prints the default's document")}
			}
			return c.withUser(cmd, func(a *appliance.App, u store.User) error {
				if name != "" && !own {
					eff, err := a.EffectivePolicy(cmd.Context(), u, name)
					if err != nil {
						return err
					}
					return c.printEffective(name, eff)
				}
				body, ok, err := a.Policy(cmd.Context(), u, name)
				if err != nil {
					return err
				}
				if !ok {
					if name == "" {
						fmt.Fprintln(c.stdout, "# no default policy: a key may call every tool of its connections that its own policy allows")
					} else {
						fmt.Fprintf(c.stdout, "# key %s has no policy of its own: only the default policy applies (`mcpgate key policy show --default`)\n", name)
					}
					return nil
				}
				_, err = io.WriteString(c.stdout, body)
				return err
			})
		},
	}
	show.Flags().BoolVar(&own, "own", false, "print only the key's own policy document")
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
		sc.Flags().BoolVar(&def, "default", false, "the user's default policy, the floor for every key")
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

// effectiveJSON is `key policy show KEY -o json`.
type effectiveJSON struct {
	Key        string       `json:"key"`
	HasDefault bool         `json:"has_default"`
	HasOwn     bool         `json:"has_own"`
	Parts      []guard.Part `json:"parts"`
}

// printEffective prints a key's effective policy, one restriction a line.
func (c *cli) printEffective(name string, eff guard.Effective) error {
	parts := eff.Explain()
	if c.output == "json" {
		if parts == nil {
			parts = []guard.Part{}
		}
		return printJSON(c.stdout, effectiveJSON{Key: name, HasDefault: eff.Default != nil, HasOwn: eff.Key != nil, Parts: parts})
	}
	fmt.Fprintf(c.stdout, "# key %s: %s; every line applies to every call\n", name, eff)
	if len(parts) == 0 {
		fmt.Fprintln(c.stdout, "# nothing is restricted: the key may call every tool of its connections")
		return nil
	}
	allowFrom := map[string]bool{}
	rows := make([][]string, len(parts))
	for i, p := range parts {
		rule := p.Rule
		if rule == "" {
			rule = "-"
		}
		rows[i] = []string{p.Setting, p.Value, p.From, rule}
		if p.Setting == "allow" {
			allowFrom[p.From] = true
		}
	}
	if len(allowFrom) == 2 {
		fmt.Fprintln(c.stdout, "# both layers have an allow list: a tool must match an entry of each")
	}
	printTable(c.stdout, []string{"SETTING", "VALUE", "FROM", "RULE"}, rows)
	return nil
}
