package main

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/mcpgate/mcpgate/pkg/appliance"
	"github.com/mcpgate/mcpgate/pkg/oauth"
	"github.com/mcpgate/mcpgate/pkg/store"
	"github.com/mcpgate/mcpgate/pkg/textsafe"
)

type oauthFlags struct {
	scopes    []string
	noWait    bool
	local     bool
	localPort int
}

func (o *oauthFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringSliceVar(&o.scopes, "scopes", nil, "OAuth scopes to ask for (default: what the tools need)")
	cmd.Flags().BoolVar(&o.noWait, "no-wait", false, "print the authorization URL and return; `mcpgate serve` completes it")
	cmd.Flags().BoolVar(&o.local, "local", false, "receive the callback on a loopback listener here instead of through serve (no public URL needed)")
	cmd.Flags().IntVar(&o.localPort, "local-port", 8976, "port of the --local listener; register http://127.0.0.1:PORT/oauth/callback with the provider")
}

// connectOAuth runs the authorization-code flow: it prints the URL to open
// and waits for the callback, at serve or on a loopback listener.
func (c *cli) connectOAuth(ctx context.Context, a *appliance.App, u store.User, provider, name string, o oauthFlags) error {
	if name == "" {
		name = provider
	}
	conn, err := c.runOAuth(ctx, a, u, provider, name, o, func(redirect string) (oauth.Pending, error) {
		return a.BeginOAuth(ctx, u, provider, name, o.scopes, redirect)
	})
	if err != nil || conn.ID == "" {
		return err
	}
	return c.printConnected(conn)
}

// runOAuth starts an authorization with begin, given the redirect URL
// (serve's callback, or the --local listener's), prints the URL to open
// and waits for the connection unless --no-wait (then it returns a zero
// connection). what names the upstream.
func (c *cli) runOAuth(ctx context.Context, a *appliance.App, u store.User, what, name string, o oauthFlags, begin func(redirect string) (oauth.Pending, error)) (store.Connection, error) {
	if o.local {
		return c.connectLocal(ctx, a, what, o, begin)
	}
	redirect, err := a.CallbackURL()
	if err != nil {
		return store.Connection{}, err
	}
	start := time.Now().UTC()
	p, err := begin(redirect)
	if err != nil {
		return store.Connection{}, err
	}
	fmt.Fprintf(c.stdout, "Open this URL in your browser to connect %s (valid until %s):\n\n  %s\n\n", what, p.ExpiresAt.Format(time.Kitchen), p.URL)
	if o.noWait {
		fmt.Fprintln(c.stdout, "`mcpgate serve` completes the connection when the provider redirects back; check with `mcpgate connect list`.")
		return store.Connection{}, nil
	}
	fmt.Fprintln(c.stderr, "Waiting for the authorization (Ctrl-C to stop)…")
	return waitForConnection(ctx, a, u, name, start, p.ExpiresAt.Add(oauth.ConfirmTTL))
}

// waitForConnection polls until the connection is stored or updated after
// start, or the authorization expires.
func waitForConnection(ctx context.Context, a *appliance.App, u store.User, name string, start, until time.Time) (store.Connection, error) {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		conn, err := a.Connection(ctx, u, name)
		if err == nil && !conn.UpdatedAt.Before(start.Truncate(time.Microsecond)) && conn.Status == oauth.StatusOK {
			return conn, nil
		}
		if time.Now().After(until) {
			return store.Connection{}, oauth.ErrExpiredState
		}
		select {
		case <-ctx.Done():
			return store.Connection{}, ctx.Err()
		case <-tick.C:
		}
	}
}

func (c *cli) connectLocal(ctx context.Context, a *appliance.App, what string, o oauthFlags, begin func(redirect string) (oauth.Pending, error)) (store.Connection, error) {
	l, err := oauth.ListenLocal(o.localPort)
	if err != nil {
		return store.Connection{}, err
	}
	defer l.Close()
	p, err := begin(l.RedirectURL())
	if err != nil {
		return store.Connection{}, err
	}
	fmt.Fprintf(c.stdout, "Open this URL in your browser to connect %s:\n\n  %s\n\n", what, p.URL)
	fmt.Fprintf(c.stderr, "Waiting for the callback on %s (Ctrl-C to stop)…\n", l.RedirectURL())
	flow, _ := a.OAuth()
	return l.Wait(ctx, flow, p)
}

func (c *cli) printConnected(conn store.Connection) error {
	if c.output == "json" {
		return printJSON(c.stdout, connRow(conn))
	}
	fmt.Fprintf(c.stdout, "connected %s as %s (connection %s); its tools are named %s_*\n",
		textsafe.Clean(conn.Provider), textsafe.Clean(conn.Account), strconv.Quote(conn.Name), textsafe.Clean(conn.Name))
	return nil
}
