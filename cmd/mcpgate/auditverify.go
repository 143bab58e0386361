package main

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/mcpgate/mcpgate/pkg/appliance"
	"github.com/mcpgate/mcpgate/pkg/audit"
	"github.com/mcpgate/mcpgate/pkg/auditfwd"
)

func (c *cli) auditVerifyCmd() *cobra.Command {
	var allUsers bool
	var checkpointFile, againstFile string
	cmd := &cobra.Command{
		Use:   "verify [--checkpoint FILE | --against FILE]",
		Short: "Check the keyed hash chain (and a checkpoint kept elsewhere); exits non-zero and names the first broken record if any",
		Long: `Check each user's audit chain: every record's HMAC under the user's audit key and its link to the
record before it. Records still in the legacy unkeyed format are verified with the old algorithm and then
re-chained under the key (once). With --checkpoint, also check a file printed earlier by
'mcpgate audit checkpoint -o json': its signature, and that the checkpointed record is still there with the
same hash (or was pruned), which detects deleting the newest records and rewriting after the checkpoint.
With --against, check the stream a SIEM received from audit forwarding (the webhook bodies as JSON lines,
or the file rsyslog wrote in RFC 5424 format): the newest signed checkpoint of each user in it, as with
--checkpoint, and every record in it, which must still be in the local log with the same hash (or pruned).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var cps []audit.Checkpoint
			var stream *auditfwd.Stream
			if checkpointFile != "" && againstFile != "" {
				return &exitError{2, errors.New("give --checkpoint or --against, not both")}
			}
			if againstFile != "" {
				f, err := os.Open(againstFile)
				if err != nil {
					return &exitError{2, fmt.Errorf("--against: %w", err)}
				}
				st, err := auditfwd.ParseStream(f)
				f.Close()
				if err != nil {
					return &exitError{2, fmt.Errorf("--against %s: %w", againstFile, err)}
				}
				stream, cps = &st, st.Newest()
			}
			if checkpointFile != "" {
				f, err := os.Open(checkpointFile)
				if err != nil {
					return &exitError{2, fmt.Errorf("--checkpoint: %w", err)}
				}
				cps, err = audit.ParseCheckpoints(f)
				f.Close()
				if err != nil {
					return &exitError{2, fmt.Errorf("--checkpoint %s: %w", checkpointFile, err)}
				}
			}
			return c.withApp(cmd, func(a *appliance.App) error {
				s, _, err := c.auditScope(cmd.Context(), a, auditFlags{allUsers: allUsers})
				if err != nil {
					return err
				}
				var ids []string
				for _, u := range s.Users {
					ids = append(ids, u.ID)
				}
				rep, err := a.VerifyAudit(cmd.Context(), ids, cps)
				if err != nil {
					return err
				}
				if stream != nil {
					if err := a.CheckForwarded(cmd.Context(), *stream, &rep); err != nil {
						return err
					}
				}
				if c.output == "json" {
					if err := printJSON(c.stdout, rep); err != nil {
						return err
					}
				}
				name := func(id string) string {
					if n, ok := s.Names.Users[id]; ok {
						return n
					}
					return id
				}
				if len(rep.Breaks) > 0 {
					var msgs []string
					for _, b := range rep.Breaks {
						msgs = append(msgs, fmt.Sprintf("record %d of user %s: %s", b.Seq, name(b.UserID), b.Reason))
					}
					return &exitError{1, fmt.Errorf("the audit log was tampered with: %s", strings.Join(msgs, "; "))}
				}
				if c.output == "json" {
					return nil
				}
				if rep.Rechained > 0 {
					fmt.Fprintf(c.stdout, "re-chained %d legacy record(s) under the users' audit keys\n", rep.Rechained)
				}
				for _, r := range rep.Checkpoints {
					switch r.Status {
					case audit.CheckpointPruned:
						fmt.Fprintf(c.stdout, "checkpoint of %s: record %d was pruned since; the prune anchor accounts for it and the kept records chain from it\n", name(r.UserID), r.Seq)
					default:
						fmt.Fprintf(c.stdout, "checkpoint of %s: record %d is unchanged and the records after it chain from it\n", name(r.UserID), r.Seq)
					}
				}
				if stream != nil {
					fmt.Fprintf(c.stdout, "forwarded stream: all %d record(s) it holds are in the local log, unchanged (or pruned)\n", len(stream.Records))
				}
				fmt.Fprintf(c.stdout, "ok: %d records of %d user(s) verified; the chain is intact\n", rep.Records, rep.Users)
				return nil
			})
		},
	}
	cmd.Flags().BoolVar(&allUsers, "all-users", false, "verify every user's chain (admins only)")
	cmd.Flags().StringVar(&checkpointFile, "checkpoint", "", "a file printed by `mcpgate audit checkpoint -o json` to check the chain against")
	cmd.Flags().StringVar(&againstFile, "against", "", "the forwarded stream as a SIEM received it (webhook bodies as JSON lines, or rsyslog's RFC 5424 file)")
	return cmd
}

func (c *cli) auditCheckpointCmd() *cobra.Command {
	var allUsers bool
	cmd := &cobra.Command{
		Use:   "checkpoint",
		Short: "Print a signed checkpoint of each user's chain head, to keep outside the database",
		Long: `Verify each user's chain and print a checkpoint of its head (user, record sequence, head hash, record
count, time, public key, Ed25519 signature by the user's checkpoint key, which is sealed in the vault).
Keep the output of 'mcpgate audit checkpoint -o json' outside the database (a file elsewhere, a mail, a
ticket); 'mcpgate audit verify --checkpoint FILE' then detects records deleted or rewritten after it.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return c.withApp(cmd, func(a *appliance.App) error {
				s, _, err := c.auditScope(cmd.Context(), a, auditFlags{allUsers: allUsers})
				if err != nil {
					return err
				}
				var file audit.CheckpointFile
				now := time.Now()
				for _, u := range s.Users {
					cp, err := a.CheckpointAudit(cmd.Context(), u, now)
					var b *audit.Break
					if errors.As(err, &b) {
						return &exitError{1, fmt.Errorf("the audit log of %s was tampered with (record %d: %s): it gets no checkpoint; see `mcpgate audit verify`", u.Name, b.Seq, b.Reason)}
					}
					if err != nil {
						return &exitError{1, fmt.Errorf("checkpoint the audit log of %s: %w: see `mcpgate audit verify`", u.Name, err)}
					}
					file.Checkpoints = append(file.Checkpoints, cp)
				}
				var rows [][]string
				for _, cp := range file.Checkpoints {
					rows = append(rows, []string{cp.User, strconv.FormatInt(cp.Seq, 10), strconv.FormatInt(cp.Count, 10),
						cp.Hash, fmtTime(cp.Time), cp.PublicKey, cp.Signature})
				}
				return c.list(file, []string{"USER", "SEQ", "COUNT", "HEAD HASH", "TIME", "PUBLIC KEY", "SIGNATURE"}, rows)
			})
		},
	}
	cmd.Flags().BoolVar(&allUsers, "all-users", false, "checkpoint every user's chain (admins only)")
	return cmd
}
