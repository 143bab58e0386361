package appliance

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"sync"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/mcpgate/mcpgate/pkg/auditfwd"
	"github.com/mcpgate/mcpgate/pkg/safefile"
)

// Sink names, which name the sinks' cursors in the database.
const (
	SinkSyslog  = "syslog"
	SinkWebhook = "webhook"
)

// ForwardSinks are the names of the sinks audit.forward configures.
func (a *App) ForwardSinks() []string {
	var out []string
	if a.Config.Audit.Forward.Syslog.Address != "" {
		out = append(out, SinkSyslog)
	}
	if a.Config.Audit.Forward.Webhook.URL != "" {
		out = append(out, SinkWebhook)
	}
	return out
}

// ForwardBacklog counts, per configured sink, the records not forwarded.
func (a *App) ForwardBacklog(ctx context.Context) (map[string]int64, error) {
	out := map[string]int64{}
	for _, s := range a.ForwardSinks() {
		n, err := auditfwd.Backlog(ctx, a.Store, s)
		if err != nil {
			return nil, fmt.Errorf("count the %s backlog: %w", s, err)
		}
		out[s] = n
	}
	return out, nil
}

// newSinks opens the configured sinks.
func (a *App) newSinks() ([]auditfwd.Sink, error) {
	f := a.Config.Audit.Forward
	var sinks []auditfwd.Sink
	if f.Syslog.Address != "" {
		s, err := auditfwd.NewSyslog(SinkSyslog, auditfwd.SyslogOptions{
			Address: f.Syslog.Address, TLS: f.Syslog.TLS, CAFile: f.Syslog.CAFile, ServerName: f.Syslog.ServerName,
			MaxMessage: f.Syslog.MaxMessageBytes,
		})
		if err != nil {
			return nil, fmt.Errorf("audit.forward.syslog: %w", err)
		}
		sinks = append(sinks, s)
	}
	if f.Webhook.URL != "" {
		raw, _, err := safefile.Read(f.Webhook.SecretFile, 64<<10, safefile.FollowSymlinks)
		if err != nil {
			return nil, fmt.Errorf("audit.forward.webhook.secret_file: %w", err)
		}
		secret := bytes.TrimSpace(raw)
		if len(secret) < 16 {
			return nil, errors.New("audit.forward.webhook.secret_file: the secret is shorter than 16 bytes: write a long random one (openssl rand -hex 32)")
		}
		sinks = append(sinks, auditfwd.NewWebhook(SinkWebhook, f.Webhook.URL, secret, 0))
	}
	return sinks, nil
}

// forwarding is a running forwarder.
type forwarding struct {
	fw     *auditfwd.Forwarder
	cancel context.CancelFunc
	done   sync.WaitGroup
}

// startForwarding starts forwarding to the configured sinks (nil if
// none), its series registered with reg.
func (a *App) startForwarding(log *slog.Logger, reg prometheus.Registerer) (*forwarding, error) {
	sinks, err := a.newSinks()
	if err != nil || len(sinks) == 0 {
		return nil, err
	}
	host, _ := os.Hostname()
	f := a.Config.Audit.Forward
	fw := auditfwd.New(auditfwd.Options{
		Store: a.Store, Keys: a.AuditKeys, Sinks: sinks, Holder: host + ":" + strconv.Itoa(os.Getpid()) + ":" + randomSuffix(),
		Poll: f.Poll, Batch: f.Batch, MaxWait: f.MaxBackoff, Metrics: auditfwd.NewMetrics(reg), Logger: log,
	})
	ctx, cancel := context.WithCancel(context.Background())
	fg := &forwarding{fw: fw, cancel: cancel}
	fg.done.Add(1)
	go func() { defer fg.done.Done(); fw.Run(ctx) }()
	log.Info("audit forwarding on", "sinks", strings.Join(a.ForwardSinks(), ","))
	return fg, nil
}

func (f *forwarding) Close() {
	if f == nil {
		return
	}
	f.cancel()
	f.done.Wait()
}

func randomSuffix() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
