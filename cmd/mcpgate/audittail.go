package main

import (
	"context"
	"errors"
	"time"

	"github.com/spf13/cobra"

	"github.com/mcpgate/mcpgate/pkg/appliance"
	"github.com/mcpgate/mcpgate/pkg/audit"
	"github.com/mcpgate/mcpgate/pkg/store"
)

func (c *cli) auditTailCmd() *cobra.Command {
	var f auditFlags
	var interval time.Duration
	cmd := &cobra.Command{
		Use:         "tail",
		Short:       "Print the latest records, then follow new ones as they are written (Ctrl-C to stop)",
		Args:        cobra.NoArgs,
		Annotations: map[string]string{"outputs": "table,json,jsonl,csv"},
		RunE: func(cmd *cobra.Command, _ []string) error {
			return c.withAudit(cmd, f, func(a *appliance.App, s appliance.AuditScope, q audit.Query) error {
				if c.output == "json" {
					c.output = "jsonl" // a stream of documents, one per line
				}
				p, err := c.newRowPrinter()
				if err != nil {
					return err
				}
				return tail(cmd.Context(), s, q, p, interval)
			})
		},
	}
	f.register(cmd, 10)
	cmd.Flags().DurationVar(&interval, "interval", time.Second, "how often to look for new records")
	return cmd
}

// tail prints the newest q.Limit records oldest first, then polls.
func tail(ctx context.Context, s appliance.AuditScope, q audit.Query, p *rowPrinter, every time.Duration) error {
	var recent []store.AuditRecord
	if err := audit.Each(ctx, s.Source, q, func(r store.AuditRecord) error { recent = append(recent, r); return nil }); err != nil {
		return err
	}
	var last int64
	for i := len(recent) - 1; i >= 0; i-- {
		if err := p.print(s.Names.ToRow(recent[i])); err != nil {
			return err
		}
	}
	if len(recent) > 0 {
		last = recent[0].Seq
	} else if err := s.Source.EachAudit(ctx, store.AuditFilter{Limit: 1}, func(r store.AuditRecord) error { last = r.Seq; return nil }); err != nil {
		return err
	}
	p.flush()
	follow := q
	follow.Limit = 0
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(every):
		}
		follow.AfterSeq = last
		err := audit.Each(ctx, s.Source, follow, func(r store.AuditRecord) error {
			last = r.Seq
			return p.print(s.Names.ToRow(r))
		})
		if err != nil && !errors.Is(err, context.Canceled) {
			return err
		}
		p.flush()
	}
}
