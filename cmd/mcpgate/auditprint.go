package main

import (
	"encoding/json"
	"fmt"
	"strconv"
	"text/tabwriter"

	"github.com/mcpgate/mcpgate/pkg/audit"
	"github.com/mcpgate/mcpgate/pkg/textsafe"
)

// rowPrinter prints audit rows in the chosen output: an aligned table, a
// JSON array, JSON lines or CSV. JSON lines and CSV stream; the table is
// aligned per flush.
type rowPrinter struct {
	c    *cli
	tw   *tabwriter.Writer
	ex   *audit.Exporter
	rows []audit.Row
}

func (c *cli) newRowPrinter() (*rowPrinter, error) {
	p := &rowPrinter{c: c}
	switch c.output {
	case "jsonl", "csv":
		ex, err := audit.NewExporter(c.stdout, c.output)
		if err != nil {
			return nil, err
		}
		p.ex = ex
	case "table":
		p.tw = tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(p.tw, "TIME\tUSER\tKEY\tTOOL\tDECISION\tRULE\tOUTCOME\tLATENCY")
	}
	return p, nil
}

func (p *rowPrinter) print(r audit.Row) error {
	switch {
	case p.ex != nil:
		return p.ex.Write(p.c.safeRow(r))
	case p.tw != nil:
		r = cleanRow(r)
		_, err := fmt.Fprintf(p.tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%sms\n", r.Time, r.User, r.Key, r.Tool, r.Decision, r.Rule,
			r.Outcome, strconv.FormatFloat(r.LatencyMS, 'f', 1, 64))
		return err
	}
	p.rows = append(p.rows, r)
	return nil
}

// cleanRow neutralises a row's text for a terminal (textsafe.Clean).
func cleanRow(r audit.Row) audit.Row {
	for _, f := range []*string{&r.Time, &r.User, &r.Key, &r.Tool, &r.Decision, &r.Rule, &r.Outcome, &r.Error} {
		*f = textsafe.Clean(*f)
	}
	if a := textsafe.Clean(string(r.Arguments)); a != string(r.Arguments) {
		r.Arguments = json.RawMessage(a)
	}
	return r
}

// safeRow is the row as the output format needs it: CSV is text that
// reaches terminals and spreadsheets, so it is neutralised; JSON lines
// escape control characters already and keep the exact values.
func (c *cli) safeRow(r audit.Row) audit.Row {
	if c.output == "csv" {
		return cleanRow(r)
	}
	return r
}

func (p *rowPrinter) flush() error {
	switch {
	case p.ex != nil:
		return p.ex.Flush()
	case p.tw != nil:
		return p.tw.Flush()
	}
	if p.rows == nil {
		p.rows = []audit.Row{}
	}
	return printJSON(p.c.stdout, p.rows)
}
