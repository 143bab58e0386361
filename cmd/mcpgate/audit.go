package main

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/mcpgate/mcpgate/pkg/appliance"
	"github.com/mcpgate/mcpgate/pkg/audit"
	"github.com/mcpgate/mcpgate/pkg/store"
)

// auditFlags are the filters every audit subcommand shares.
type auditFlags struct {
	since, until, tool, key, decision, outcome string
	limit                                      int
	allUsers                                   bool
}

func (f *auditFlags) register(cmd *cobra.Command, limit int) {
	fl := cmd.Flags()
	fl.StringVar(&f.since, "since", "", "only records at or after this time: a duration back (24h, 7d) or RFC 3339")
	fl.StringVar(&f.until, "until", "", "only records before this time: a duration back or RFC 3339")
	fl.StringVar(&f.tool, "tool", "", "only these tools (glob, e.g. 'github_*')")
	fl.StringVar(&f.key, "key", "", "only calls made with this app key (its name)")
	fl.StringVar(&f.decision, "decision", "", "only this decision: allow, deny, allow-with-redaction")
	fl.StringVar(&f.outcome, "outcome", "", "only this outcome: ok, error, denied")
	fl.IntVar(&f.limit, "limit", limit, "at most this many records (0: all)")
	fl.BoolVar(&f.allUsers, "all-users", false, "every user's records, not only those of the user acted for")
}

// auditScope resolves --user/--all-users and builds the query.
func (c *cli) auditScope(ctx context.Context, a *appliance.App, f auditFlags) (appliance.AuditScope, audit.Query, error) {
	s, err := a.AuditScope(ctx, c.userName, f.allUsers)
	if err != nil {
		return s, audit.Query{}, err
	}
	q, err := f.query(time.Now(), s.Names)
	return s, q, err
}

func (f auditFlags) query(now time.Time, names audit.Names) (audit.Query, error) {
	var q audit.Query
	var err error
	if q.Since, err = audit.ParseTime(f.since, now); err != nil {
		return q, &exitError{2, fmt.Errorf("--since: %w", err)}
	}
	if q.Until, err = audit.ParseTime(f.until, now); err != nil {
		return q, &exitError{2, fmt.Errorf("--until: %w", err)}
	}
	q.ToolGlob, q.Decision, q.Outcome, q.Limit = f.tool, f.decision, f.outcome, f.limit
	if f.key != "" {
		for id, name := range names.Keys {
			if name == f.key {
				q.KeyID = id
			}
		}
		if q.KeyID == "" {
			return q, &exitError{2, fmt.Errorf("--key: no key named %q (see `mcpgate key list --all`)", f.key)}
		}
	}
	if err := q.Validate(); err != nil {
		return q, &exitError{2, err}
	}
	return q, nil
}

// withAudit opens the appliance and resolves the audit scope for fn.
func (c *cli) withAudit(cmd *cobra.Command, f auditFlags, fn func(a *appliance.App, s appliance.AuditScope, q audit.Query) error) error {
	return c.withApp(cmd, func(a *appliance.App) error {
		s, q, err := c.auditScope(cmd.Context(), a, f)
		if err != nil {
			return err
		}
		return fn(a, s, q)
	})
}

func (c *cli) auditCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "audit", Short: "List, tail, export, verify, checkpoint, prune and summarise the audit log"}
	cmd.AddCommand(c.auditListCmd(), c.auditTailCmd(), c.auditExportCmd(), c.auditVerifyCmd(), c.auditCheckpointCmd(), c.auditPruneCmd(), c.auditStatsCmd())
	return cmd
}

func (c *cli) auditListCmd() *cobra.Command {
	var f auditFlags
	cmd := &cobra.Command{
		Use:         "list",
		Short:       "List audit records, newest first",
		Args:        cobra.NoArgs,
		Annotations: map[string]string{"outputs": "table,json,jsonl,csv"},
		RunE: func(cmd *cobra.Command, _ []string) error {
			return c.withAudit(cmd, f, func(a *appliance.App, s appliance.AuditScope, q audit.Query) error {
				p, err := c.newRowPrinter()
				if err != nil {
					return err
				}
				if err := audit.Each(cmd.Context(), s.Source, q, func(r store.AuditRecord) error { return p.print(s.Names.ToRow(r)) }); err != nil {
					return err
				}
				return p.flush()
			})
		},
	}
	f.register(cmd, 100)
	return cmd
}

func (c *cli) auditExportCmd() *cobra.Command {
	var f auditFlags
	var format string
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Stream every matching record, oldest first, as JSON lines or CSV (for a SIEM)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return c.withAudit(cmd, f, func(a *appliance.App, s appliance.AuditScope, q audit.Query) error {
				q.Ascending = true
				ex, err := audit.NewExporter(c.stdout, format)
				if err != nil {
					return &exitError{2, fmt.Errorf("--format: %w", err)}
				}
				if err := audit.Each(cmd.Context(), s.Source, q, func(r store.AuditRecord) error {
					row := s.Names.ToRow(r)
					if format == "csv" {
						row = cleanRow(row)
					}
					return ex.Write(row)
				}); err != nil {
					return err
				}
				return ex.Flush()
			})
		},
	}
	f.register(cmd, 0)
	cmd.Flags().StringVar(&format, "format", "jsonl", "jsonl or csv")
	return cmd
}

func (c *cli) auditPruneCmd() *cobra.Command {
	var olderThan string
	var allUsers, yes bool
	cmd := &cobra.Command{
		Use:   "prune --older-than 90d",
		Short: "Delete records older than a duration; the kept records still verify",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			d, err := audit.ParseDuration(olderThan)
			if err != nil || d == 0 {
				return &exitError{2, fmt.Errorf("--older-than: give a duration such as 90d or 720h")}
			}
			if err := c.confirm(yes, "delete audit records older than "+olderThan); err != nil {
				return err
			}
			return c.withApp(cmd, func(a *appliance.App) error {
				s, _, err := c.auditScope(cmd.Context(), a, auditFlags{allUsers: allUsers})
				if err != nil {
					return err
				}
				total, err := a.PruneAudit(cmd.Context(), s.Users, time.Now().Add(-d))
				if err != nil {
					return err
				}
				fmt.Fprintf(c.stdout, "pruned %d record(s) older than %s\n", total, olderThan)
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&olderThan, "older-than", "", "delete records older than this (e.g. 90d)")
	cmd.Flags().BoolVar(&allUsers, "all-users", false, "prune every user's records")
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "do not ask for confirmation")
	return cmd
}

func (c *cli) auditStatsCmd() *cobra.Command {
	var f auditFlags
	cmd := &cobra.Command{
		Use:   "stats",
		Short: "Calls, denials and error rate per tool and key over a window (default: the last 24h)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return c.withAudit(cmd, f, func(a *appliance.App, s appliance.AuditScope, q audit.Query) error {
				var st audit.Stats
				if err := audit.Each(cmd.Context(), s.Source, q, func(r store.AuditRecord) error {
					st.Add(r, s.Names.Keys[r.KeyID])
					return nil
				}); err != nil {
					return err
				}
				res := st.Result()
				var rows [][]string
				for _, x := range res {
					rows = append(rows, []string{x.Tool, x.Key, strconv.FormatInt(x.Calls, 10), strconv.FormatInt(x.Denied, 10),
						strconv.FormatInt(x.Errors, 10), strconv.FormatFloat(x.ErrorPct, 'f', 1, 64) + "%"})
				}
				if err := c.list(res, []string{"TOOL", "KEY", "CALLS", "DENIED", "ERRORS", "ERROR RATE"}, rows); err != nil {
					return err
				}
				if c.output == "json" {
					return nil
				}
				backlog, err := a.ForwardBacklog(cmd.Context())
				if err != nil {
					return err
				}
				for _, sink := range a.ForwardSinks() {
					fmt.Fprintf(c.stdout, "forwarding to %s: %d record(s) not yet delivered\n", sink, backlog[sink])
				}
				return nil
			})
		},
	}
	f.register(cmd, 0)
	cmd.Flags().Lookup("since").DefValue = "24h"
	cmd.Flags().Set("since", "24h")
	return cmd
}
