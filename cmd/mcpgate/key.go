package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mcpgate/mcpgate/pkg/appliance"
	"github.com/mcpgate/mcpgate/pkg/guard"
	"github.com/mcpgate/mcpgate/pkg/secret"
	"github.com/mcpgate/mcpgate/pkg/store"
)

func (c *cli) keyCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "key", Short: "Create, list, regenerate and revoke MCP app keys (one per client app)"}
	cmd.AddCommand(c.keyCreateCmd(), c.keyListCmd(), c.keyRegenerateCmd(), c.keyRevokeCmd(), c.keyUpdateCmd(), c.keyPolicyCmd())
	return cmd
}

// withApp opens the appliance for fn and closes it after.
func (c *cli) withApp(cmd *cobra.Command, fn func(a *appliance.App) error) error {
	a, err := c.open(cmd)
	if err != nil {
		return err
	}
	defer a.Close()
	return fn(a)
}

// withUser opens the appliance and resolves --user for fn.
func (c *cli) withUser(cmd *cobra.Command, fn func(a *appliance.App, u store.User) error) error {
	return c.withApp(cmd, func(a *appliance.App) error {
		u, err := a.ResolveUser(cmd.Context(), c.userName)
		if err != nil {
			return err
		}
		return fn(a, u)
	})
}

func (c *cli) keyCreateCmd() *cobra.Command {
	var name, printConfig string
	var scope []string
	var pf policyFlags
	cmd := &cobra.Command{
		Use:   "create --name NAME",
		Short: "Create an app key; it is printed once and cannot be shown again",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkPrintConfig(printConfig); err != nil {
				return err
			}
			return c.withUser(cmd, func(a *appliance.App, u store.User) error {
				gf := pf.guardFlags(cmd)
				if _, err := guard.FromFlags(gf); err != nil {
					return &exitError{2, err}
				}
				raw, k, err := a.CreateKey(cmd.Context(), u, name, scope)
				if err != nil {
					return err
				}
				if err := a.ApplyPolicyFlags(cmd.Context(), u, name, gf); err != nil {
					a.RevokeKey(cmd.Context(), u, name)
					return fmt.Errorf("the key was not created: %w", err)
				}
				return c.printNewKey(a, raw, k, printConfig, "created")
			})
		},
	}
	cmd.Flags().StringVar(&name, "name", "", "name of the client app, e.g. claude-desktop (required)")
	cmd.Flags().StringSliceVar(&scope, "allow-connection", nil, "connection the key may use (repeatable; default: all)")
	cmd.Flags().StringVar(&printConfig, "print-config", "", "also print a client config: claude, cursor, vscode or json")
	pf.register(cmd)
	cmd.MarkFlagRequired("name")
	return cmd
}

func (c *cli) keyRegenerateCmd() *cobra.Command {
	var printConfig string
	cmd := &cobra.Command{
		Use:   "regenerate NAME",
		Short: "Give a key a new secret; the old one is refused from its next request",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkPrintConfig(printConfig); err != nil {
				return err
			}
			return c.withUser(cmd, func(a *appliance.App, u store.User) error {
				raw, k, err := a.RegenerateKey(cmd.Context(), u, args[0])
				if err != nil {
					return err
				}
				return c.printNewKey(a, raw, k, printConfig, "regenerated")
			})
		},
	}
	cmd.Flags().StringVar(&printConfig, "print-config", "", "also print a client config: claude, cursor, vscode or json")
	return cmd
}

func (c *cli) keyRevokeCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "revoke NAME",
		Short: "Revoke a key; clients using it are refused from their next request",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return c.withUser(cmd, func(a *appliance.App, u store.User) error {
				if err := a.RevokeKey(cmd.Context(), u, args[0]); err != nil {
					return err
				}
				fmt.Fprintf(c.stdout, "revoked key %s\n", args[0])
				return nil
			})
		},
	}
}

func (c *cli) keyListCmd() *cobra.Command {
	var all bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List app keys (never their secrets)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return c.withUser(cmd, func(a *appliance.App, u store.User) error {
				keys, err := a.APIKeys(cmd.Context(), u)
				if err != nil {
					return fmt.Errorf("list keys: %w", err)
				}
				grants, err := a.OAuthGrants(cmd.Context(), u)
				if err != nil {
					return fmt.Errorf("list keys: %w", err)
				}
				type row struct {
					Name     string   `json:"name"`
					Kind     string   `json:"kind"` // "key" or "oauth"
					Client   string   `json:"client,omitempty"`
					ClientID string   `json:"client_id,omitempty"`
					ID       string   `json:"id"`
					Scope    []string `json:"scope"`
					Created  string   `json:"created"`
					LastUsed string   `json:"last_used"`
					Revoked  string   `json:"revoked,omitempty"`
				}
				out := []row{}
				var rows [][]string
				for _, k := range keys {
					if k.Revoked() && !all {
						continue
					}
					r := row{Name: k.Name, Kind: "key", ID: "mgw_" + k.ID, Scope: k.Scope, Created: fmtTime(k.CreatedAt), LastUsed: fmtTime(k.LastUsedAt)}
					kind := "key"
					if g, ok := grants[k.ID]; ok {
						r.Kind, r.Client, r.ClientID, r.ID = "oauth", g.ClientName, g.ClientID, "oauth:"+k.ID
						kind = "oauth (" + g.ClientName + ", " + g.ClientID + ")"
					}
					if k.Revoked() {
						r.Revoked = fmtTime(k.RevokedAt)
					}
					out = append(out, r)
					scope := "all"
					if len(k.Scope) > 0 {
						scope = strings.Join(k.Scope, ",")
					}
					status := "active"
					if k.Revoked() {
						status = "revoked " + r.Revoked
					}
					rows = append(rows, []string{r.Name, kind, r.ID + "…", scope, r.Created, r.LastUsed, status})
				}
				return c.list(out, []string{"NAME", "KIND", "KEY", "CONNECTIONS", "CREATED", "LAST USED", "STATUS"}, rows)
			})
		},
	}
	cmd.Flags().BoolVar(&all, "all", false, "include revoked keys")
	return cmd
}

func checkPrintConfig(v string) error {
	switch v {
	case "", "claude", "cursor", "vscode", "json":
		return nil
	}
	return &exitError{2, fmt.Errorf("--print-config: %q is not one of claude, cursor, vscode, json", v)}
}

// printNewKey shows a new key once, with a client config if asked.
func (c *cli) printNewKey(a *appliance.App, raw secret.Value, k store.APIKey, printConfig, verb string) error {
	url := mcpURL(a)
	if c.output == "json" && printConfig == "" {
		return printJSON(c.stdout, map[string]string{"name": k.Name, "key": raw.Reveal(), "url": url})
	}
	if printConfig != "" {
		return printJSON(c.stdout, clientConfig(printConfig, url, raw.Reveal()))
	}
	fmt.Fprintf(c.stdout, "%s key %s for %s\n\n  %s\n\n", verb, k.Name, url, raw.Reveal())
	fmt.Fprintln(c.stdout, "This is the only time the key is shown: store it in your client now.")
	fmt.Fprintf(c.stdout, "Clients send it as the header `Authorization: Bearer <key>`; `--print-config claude|cursor|vscode` prints a ready config.\n")
	return nil
}
