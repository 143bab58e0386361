package main

import (
	"context"
	"io"
	"log/slog"

	"github.com/spf13/cobra"

	"github.com/mcpgate/mcpgate/pkg/apikey"
	"github.com/mcpgate/mcpgate/pkg/appliance"
	"github.com/mcpgate/mcpgate/pkg/config"
)

func (c *cli) serveCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the gateway: the MCP endpoint, health checks and metrics",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := c.loadConfig(cmd)
			if err != nil {
				return err
			}
			return serve(cmd.Context(), cfg, newLogger(c.stderr, cfg))
		},
	}
	cmd.Flags().String("listen", "", "gateway listen address (default 127.0.0.1:8443; env MCPGATE_LISTEN)")
	cmd.Flags().String("tls", "", "TLS mode: auto, files or off (env MCPGATE_TLS_MODE)")
	cmd.Flags().String("public-url", "", "URL clients reach the gateway at (env MCPGATE_PUBLIC_URL)")
	cmd.Flags().String("admin-listen", "", "metrics listen address (default 127.0.0.1:9090)")
	return cmd
}

// newLogger writes structured logs in which no app key can appear.
func newLogger(w io.Writer, cfg *config.Config) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.Log.Level))
	opts := &slog.HandlerOptions{Level: level}
	w = apikey.NewRedactingWriter(w)
	if cfg.Log.Format == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

func serve(ctx context.Context, cfg *config.Config, log *slog.Logger) error {
	appliance.TuneRuntime()
	a, err := appliance.OpenServe(ctx, cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	for _, w := range appliance.FileWarnings(cfg) {
		log.Warn(w)
	}
	s, err := a.NewServing(ctx, log, version)
	if err != nil {
		return err
	}
	defer s.Close()
	log.Info("mcpgate starting", "version", version, "data_dir", cfg.DataDir, "tls", cfg.TLS.Mode)
	// A newcomer's first serve has nothing to offer yet: say what to run.
	if setup, err := a.Setup(ctx); err == nil {
		for _, step := range setup.NextSteps() {
			log.Warn("next step: " + step)
		}
	}
	hctx, stopHousekeeping := context.WithCancel(ctx)
	defer stopHousekeeping()
	go a.Housekeep(hctx, log)
	if err := s.Server.Run(ctx); err != nil {
		return err
	}
	log.Info("mcpgate stopped")
	return nil
}
