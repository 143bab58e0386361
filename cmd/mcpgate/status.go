package main

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/mcpgate/mcpgate/pkg/status"
)

func (c *cli) statusCmd() *cobra.Command {
	var minFree string
	var certWarn time.Duration
	cmd := &cobra.Command{
		Use:   "status",
		Short: "One screen that says whether mcpgate is working; exits 1 when something needs attention",
		Long: `Check everything and print one screen: the version; whether serve answers /healthz and /readyz at
its listen address; the TLS mode and when the certificate expires; whether the key provider answers; DEKs per
KEK and unfinished rotations; each connection's state (ok, needs re-auth, expired); the app keys and their
last use; how far each user's audit chain verifies; free space in the data dir.

Exit codes, for cron or a monitor:
  0  all is well
  1  something needs attention: each item is listed under "attention" with what to do
  2  status could not run (a usage or configuration error)

An expired access token alone is no alarm: it is refreshed on the connection's next use.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := c.loadConfig(cmd)
			if err != nil {
				return err
			}
			min, err := status.ParseBytes(minFree)
			if err != nil {
				return &exitError{2, fmt.Errorf("--min-free: %w", err)}
			}
			r := status.Gather(cmd.Context(), status.Options{
				Config: cfg, Version: version, User: c.userName, MinFree: min, CertWarn: certWarn,
			})
			if c.output == "json" {
				if r.Attention == nil {
					r.Attention = []string{}
				}
				if err := printJSON(c.stdout, r); err != nil {
					return err
				}
			} else {
				printStatus(c.stdout, r, time.Now())
			}
			if n := len(r.Attention); n > 0 {
				return &exitError{1, fmt.Errorf("%d thing(s) need attention (listed above)", n)}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&minFree, "min-free", "1GiB", "less free space than this in the data dir needs attention")
	cmd.Flags().DurationVar(&certWarn, "cert-warn", status.DefaultCertWarn, "a TLS certificate expiring sooner than this needs attention")
	return cmd
}

func printStatus(w io.Writer, r status.Report, now time.Time) {
	mark := func(ok bool) string {
		if ok {
			return "ok"
		}
		return "FAIL"
	}
	rows := [][]string{{"version", "", r.Version}}
	h, rd := r.Serve.Healthz, r.Serve.Readyz
	serve := fmt.Sprintf("%s answers (readyz: %s)", h.URL, answerText(rd))
	if !h.OK() {
		serve = fmt.Sprintf("%s: %s", h.URL, answerText(h))
	}
	rows = append(rows, []string{"serve", mark(h.OK() && rd.OK()), serve})
	tlsOK, tlsText := true, r.TLS.Mode
	switch {
	case r.TLS.Error != "":
		tlsOK, tlsText = false, r.TLS.Mode+": "+r.TLS.Error
	case !r.TLS.NotAfter.IsZero():
		days := int(r.TLS.NotAfter.Sub(now).Hours() / 24)
		tlsText = fmt.Sprintf("%s: certificate for %s expires %s (%d days; %s)", r.TLS.Mode, r.TLS.Subject,
			r.TLS.NotAfter.UTC().Format(time.DateOnly), days, r.TLS.Source)
		tlsOK = !attentionMentions(r, "TLS certificate")
	}
	rows = append(rows, []string{"tls", mark(tlsOK), tlsText})
	rows = append(rows, []string{"database", mark(r.Database.OK), withError(r.Database.What, r.Database.Error)})
	rows = append(rows, []string{"key provider", mark(r.KeyProvider.OK), withError(r.KeyProvider.What, r.KeyProvider.Error)})
	if v := r.Vault; v != nil {
		ids := make([]string, 0, len(v.DEKsByKEK))
		for id := range v.DEKsByKEK {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		var parts []string
		for _, id := range ids {
			cur := ""
			if id == v.KEKID {
				cur = ", current"
			}
			parts = append(parts, fmt.Sprintf("%d DEK(s) under %s%s", v.DEKsByKEK[id], id, cur))
		}
		text := strings.Join(parts, "; ")
		if v.Unfinished {
			text += "; rotation unfinished"
		} else {
			text += "; no rotation unfinished"
		}
		rows = append(rows, []string{"vault", mark(!v.Unfinished), text})
	}
	if w := r.Watchers; w != nil {
		text := fmt.Sprintf("%d serve process(es) learning of changes by notification, at generation %d", w.Live, w.Generation)
		if w.Behind > 0 {
			text = fmt.Sprintf("%d of %d serve process(es) not yet at generation %d (a change waits for them, up to their 2 s lease)", w.Behind, w.Live, w.Generation)
		}
		rows = append(rows, []string{"replicas", "ok", text})
	}
	d := r.Disk
	diskText := fmt.Sprintf("%s free of %s in %s", status.Bytes(d.FreeBytes), status.Bytes(d.TotalBytes), d.Path)
	if d.Error != "" {
		diskText = d.Path + ": " + d.Error
	}
	rows = append(rows, []string{"disk", mark(d.Error == "" && d.FreeBytes >= d.MinFree), diskText})
	printTable(w, []string{"CHECK", "", "DETAIL"}, rows)

	fmt.Fprintln(w)
	var crow [][]string
	for _, c := range r.Connections {
		exp := "-"
		if !c.Expires.IsZero() {
			exp = fmtTime(c.Expires)
		}
		crow = append(crow, []string{c.User, c.Name, c.Provider, c.Account, c.State, exp})
	}
	if len(crow) == 0 {
		fmt.Fprintln(w, "connections: none")
	} else {
		printTable(w, []string{"USER", "CONNECTION", "PROVIDER", "ACCOUNT", "STATE", "TOKEN EXPIRES"}, crow)
	}

	fmt.Fprintln(w)
	var krow [][]string
	for _, k := range r.Keys {
		used := "never"
		if !k.LastUsed.IsZero() {
			used = fmtTime(k.LastUsed)
		}
		krow = append(krow, []string{k.User, k.Name, k.ID + "…", used})
	}
	if len(krow) == 0 {
		fmt.Fprintln(w, "app keys: none active")
	} else {
		printTable(w, []string{"USER", "APP KEY", "ID", "LAST USED"}, krow)
	}

	fmt.Fprintln(w)
	var arow [][]string
	for _, a := range r.Audit {
		state := "verified"
		switch {
		case a.Error != "":
			state = "cannot verify: " + a.Error
		case a.Broken != 0:
			state = fmt.Sprintf("BROKEN at record %d", a.Broken)
		}
		arow = append(arow, []string{a.User, strconv.FormatInt(a.Seq, 10), strconv.FormatInt(a.Records, 10), state})
	}
	if len(arow) > 0 {
		printTable(w, []string{"USER", "AUDIT VERIFIED TO RECORD", "RECORDS", "CHAIN"}, arow)
	}

	fmt.Fprintln(w)
	if len(r.Attention) == 0 {
		fmt.Fprintln(w, "all is well")
		return
	}
	fmt.Fprintf(w, "needs attention (%d):\n", len(r.Attention))
	for _, a := range r.Attention {
		fmt.Fprintln(w, "- "+a)
	}
}

func answerText(a status.Answer) string {
	switch {
	case a.Status == 0:
		return a.Error
	case a.OK():
		return "ok"
	}
	return strings.TrimSpace(fmt.Sprintf("%d %s", a.Status, a.Body))
}

func withError(what, err string) string {
	if err == "" {
		return what
	}
	return what + ": " + err
}

func attentionMentions(r status.Report, s string) bool {
	for _, a := range r.Attention {
		if strings.Contains(a, s) {
			return true
		}
	}
	return false
}

func (c *cli) healthcheckCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "healthcheck URL",
		Short: "GET a health URL of a running serve; exit 0 when it answers 200 (for container health checks)",
		Long: `GET URL once (within 5 seconds) and exit 0 when it answers 200, 1 otherwise. Made for container
health checks, since the image has no shell and no curl:

  healthcheck: ["CMD", "/mcpgate", "healthcheck", "http://127.0.0.1:9090/healthz"]

Over TLS to a loopback address the certificate is not verified (it names the public domain).`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, cancel := context.WithTimeout(cmd.Context(), 10*time.Second)
			defer cancel()
			a := status.Get(ctx, args[0], "")
			if !a.OK() {
				return &exitError{1, fmt.Errorf("%s: %s", args[0], answerText(a))}
			}
			fmt.Fprintln(c.stdout, "ok")
			return nil
		},
	}
}
