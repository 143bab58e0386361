package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"golang.org/x/term"

	"github.com/mcpgate/mcpgate/pkg/textsafe"
)

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// printTable writes rows under a header, aligned. Cells are neutralised
// (textsafe.Clean): names come from providers and the database.
func printTable(w io.Writer, header []string, rows [][]string) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(header, "\t"))
	for _, r := range rows {
		cells := make([]string, len(r))
		for i, cell := range r {
			cells[i] = textsafe.Clean(cell)
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t"))
	}
	tw.Flush()
}

// list prints v as JSON, or header+rows as a table.
func (c *cli) list(v any, header []string, rows [][]string) error {
	if c.output == "json" {
		return printJSON(c.stdout, v)
	}
	printTable(c.stdout, header, rows)
	return nil
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}

// confirm asks on a terminal; elsewhere it requires --yes.
func (c *cli) confirm(yes bool, question string) error {
	if yes {
		return nil
	}
	f, ok := c.stdin.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return &exitError{2, fmt.Errorf("%s: refusing without confirmation; pass --yes to confirm", question)}
	}
	fmt.Fprintf(c.stderr, "%s [y/N] ", question)
	var answer string
	fmt.Fscanln(f, &answer)
	if a := strings.ToLower(strings.TrimSpace(answer)); a != "y" && a != "yes" {
		return &exitError{1, fmt.Errorf("cancelled")}
	}
	return nil
}
