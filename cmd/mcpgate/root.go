package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/mcpgate/mcpgate/pkg/apikey"
	"github.com/mcpgate/mcpgate/pkg/appliance"
	"github.com/mcpgate/mcpgate/pkg/config"
	"github.com/mcpgate/mcpgate/pkg/nodump"
	"github.com/mcpgate/mcpgate/pkg/textsafe"
)

// exitError carries an exit code to main.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// cli is what every command shares: its streams and global flags.
type cli struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	cmd            *cobra.Command

	configFile string
	userName   string
	output     string
}

// run builds the command tree, runs args, and returns the exit code.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	// No core file or same-account ptrace of a process that holds keys.
	if err := nodump.Set(); err != nil {
		fmt.Fprintln(stderr, "mcpgate: warning: "+err.Error())
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	root := newRootCmd(stdin, stdout, stderr)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return 0
	}
	// Error text never carries an mgw_ key, whatever produced it.
	// Nor a terminal escape an upstream put in it.
	fmt.Fprintln(stderr, "mcpgate: "+textsafe.Lines(apikey.Redact(err.Error())))
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	return 1
}

func newRootCmd(stdin io.Reader, stdout, stderr io.Writer) *cobra.Command {
	c := &cli{stdin: stdin, stdout: stdout, stderr: stderr}
	root := &cobra.Command{
		Use:   "mcpgate",
		Short: "A self-hosted MCP gateway that keeps your credentials in its own vault",
		Long: `A self-hosted MCP gateway that keeps your credentials in its own vault.

Who may do what: whoever can read the data dir and use the KEK is the
operator and may do everything, for every user (such an account could
decrypt every credential anyway). --user only chooses whom a command acts
for; a user's admin flag is a label for the web sign-in, not a permission
the commands check.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	c.cmd = root
	pf := root.PersistentFlags()
	pf.StringVar(&c.configFile, "config", "", "config file (default <data-dir>/mcpgate.yaml; env MCPGATE_CONFIG)")
	pf.String("data-dir", "", "data directory (env MCPGATE_DATA_DIR; default ~/.local/share/mcpgate)")
	pf.StringVar(&c.userName, "user", os.Getenv("MCPGATE_USER"), "whom to act for (default: the owner created by init); whoever can read the data dir and use the KEK may act for any user")
	pf.StringVarP(&c.output, "output", "o", envOr("MCPGATE_OUTPUT", "table"), "output format: table or json (audit list/tail also jsonl, csv)")
	pf.String("database-url", "", "database URL: sqlite:///path or postgres://... (env MCPGATE_DATABASE_URL)")
	pf.String("key-provider", "", "KEK provider URL, e.g. local:///path/to/kek (env MCPGATE_KEY_PROVIDER)")

	root.AddCommand(
		c.initCmd(),
		c.serveCmd(),
		c.userCmd(),
		c.keyCmd(),
		c.connectCmd(),
		c.versionCmd(),
		c.auditCmd(),
		c.vaultCmd(),
		c.statusCmd(),
		c.healthcheckCmd(),
		c.oauthCmd(),
		c.approveCmd(),
	)
	return root
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// loadConfig reads the configuration for cmd.
func (c *cli) loadConfig(cmd *cobra.Command) (*config.Config, error) {
	outputs := "table,json"
	if o, ok := cmd.Annotations["outputs"]; ok {
		outputs = o
	}
	if !slices.Contains(strings.Split(outputs, ","), c.output) {
		return nil, &exitError{2, fmt.Errorf("--output: %q is not one of %s", c.output, strings.ReplaceAll(outputs, ",", ", "))}
	}
	cfg, err := config.Load(config.Options{File: c.configFile, Flags: cmd.Flags()})
	if errors.Is(err, fs.ErrPermission) {
		return nil, appliance.OperatorError(err)
	}
	if err != nil {
		return nil, &exitError{2, err}
	}
	return cfg, nil
}

// open loads the config and opens the appliance.
func (c *cli) open(cmd *cobra.Command) (*appliance.App, error) {
	cfg, err := c.loadConfig(cmd)
	if err != nil {
		return nil, err
	}
	a, err := appliance.Open(cmd.Context(), cfg)
	if err != nil {
		return nil, err
	}
	for _, w := range appliance.FileWarnings(cfg) {
		fmt.Fprintln(c.stderr, "warning: "+w)
	}
	return a, nil
}
