package appliance

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/mcpgate/mcpgate/pkg/connector"
	"github.com/mcpgate/mcpgate/pkg/mcpup"
	"github.com/mcpgate/mcpgate/pkg/secret"
	"github.com/mcpgate/mcpgate/pkg/store"
	"github.com/mcpgate/mcpgate/pkg/vault"
)

// MCPOptions are the settings every MCP session of this mcpgate uses.
func (a *App) MCPOptions(version string) mcpup.Options {
	m := a.Config.MCP
	return mcpup.Options{
		DataDir:         a.Config.DataDir,
		Limits:          mcpup.Limits{MemoryBytes: m.MemoryBytes, CPUSeconds: m.CPUSeconds, OpenFiles: m.OpenFiles},
		IdleTimeout:     m.IdleTimeout,
		MaxMessageBytes: m.MaxMessageBytes,
		Timeout:         a.Config.Limits.UpstreamTimeout,
		Version:         version,
	}
}

// AddMCPConnection connects to the MCP server once, approves every tool it
// offers now (pins their definitions) and stores the connection with its
// secrets sealed.
func (a *App) AddMCPConnection(ctx context.Context, u store.User, name string, cfg mcpup.Config, sec mcpup.Secrets) (store.Connection, []mcpup.Pin, error) {
	if err := ValidName("connection", name); err != nil {
		return store.Connection{}, nil, err
	}
	if err := cfg.Validate(); err != nil {
		return store.Connection{}, nil, err
	}
	if cfg.Header != "" && sec.Header == "" {
		return store.Connection{}, nil, errors.New("--header needs its value: pipe it to --secret-stdin or give --secret-file")
	}
	for _, k := range cfg.SecretEnv {
		if sec.Env[k] == "" {
			return store.Connection{}, nil, fmt.Errorf("--secret-env %s has no value", k)
		}
	}
	us := a.Store.User(u.ID)
	if _, err := us.Connection(ctx, name); err == nil {
		return store.Connection{}, nil, fmt.Errorf("a connection named %q already exists: remove it first or pick another --name", name)
	}
	c := store.Connection{ID: NewID("c_"), UserID: u.ID, Name: name, Provider: mcpup.Provider, AuthKind: cfg.AuthKind()}
	server, tools, err := mcpup.Probe(ctx, a.MCPOptions(""), mcpup.Spec{UserID: u.ID, ConnID: c.ID, Name: name, Config: cfg, Secrets: sec})
	if err != nil {
		return store.Connection{}, nil, fmt.Errorf("connect to the MCP server: %w", err)
	}
	if err := a.checkToolNames(ctx, u, name, tools); err != nil {
		return store.Connection{}, nil, err
	}
	cfg.Tools = tools
	sealed, err := json.Marshal(sec)
	if err != nil {
		return store.Connection{}, nil, err
	}
	now := time.Now().UTC()
	c.Account, c.Status, c.MCP, c.CreatedAt, c.UpdatedAt = server, "ok", cfg.Encode(), now, now
	err = a.Vault.SealAndStore(ctx, u.ID, vault.PurposeCredential, c.ID, sealed, func(b []byte, dekVersion int) error {
		c.Credential, c.DEKVersion = b, dekVersion
		return us.CreateConnection(ctx, c)
	})
	if err != nil {
		if errors.Is(err, store.ErrAlreadyExists) {
			return store.Connection{}, nil, fmt.Errorf("a connection named %q already exists", name)
		}
		return store.Connection{}, nil, fmt.Errorf("store connection: %w", err)
	}
	return c, tools, nil
}

// checkToolNames refuses tools whose exposed names would collide with
// another's on the aggregate endpoint, naming both.
func (a *App) checkToolNames(ctx context.Context, u store.User, name string, tools []mcpup.Pin) error {
	conns, err := a.Store.User(u.ID).ListConnections(ctx)
	if err != nil {
		return fmt.Errorf("list connections: %w", err)
	}
	taken := map[string]string{}
	for _, c := range conns {
		if c.Name == name {
			continue
		}
		for _, t := range ConnectionToolNames(c) {
			taken[mcpup.ExposedName(c.Name, t)] = c.Name + " tool " + t
		}
	}
	for _, t := range tools {
		ex := mcpup.ExposedName(name, t.Name)
		if other, ok := taken[ex]; ok {
			return fmt.Errorf("tool %q of %s would be exposed as %q, which is already %s: pick another --name", t.Name, name, ex, other)
		}
		taken[ex] = name + " tool " + t.Name
	}
	return nil
}

// ConnectionToolNames lists a connection's tool names (unexposed): a
// provider's tools, or an MCP connection's approved ones.
func ConnectionToolNames(c store.Connection) []string {
	var out []string
	if c.Provider == mcpup.Provider {
		cfg, err := mcpup.ParseConfig(c.MCP)
		if err != nil {
			return nil
		}
		for _, t := range cfg.Tools {
			out = append(out, t.Name)
		}
		return out
	}
	p, err := connector.Lookup(c.Provider)
	if err != nil {
		return nil
	}
	for _, t := range p.Tools() {
		out = append(out, t.Name)
	}
	return out
}

// mcpConnection loads an MCP connection and its opened secrets.
func (a *App) mcpConnection(ctx context.Context, u store.User, name string) (store.Connection, mcpup.Config, mcpup.Secrets, error) {
	c, err := a.connection(ctx, u, name)
	if err != nil {
		return c, mcpup.Config{}, mcpup.Secrets{}, err
	}
	if c.Provider != mcpup.Provider {
		return c, mcpup.Config{}, mcpup.Secrets{}, fmt.Errorf("%q is a %s connection, not an MCP server", name, c.Provider)
	}
	cfg, err := mcpup.ParseConfig(c.MCP)
	if err != nil {
		return c, cfg, mcpup.Secrets{}, err
	}
	sec, err := a.MCPSecrets(ctx, c)
	return c, cfg, sec, err
}

// MCPSecrets opens an MCP connection's sealed values. For the OAuth kind
// it is the current access token as an Authorization header (refreshed
// when due by package oauth).
func (a *App) MCPSecrets(ctx context.Context, c store.Connection) (mcpup.Secrets, error) {
	cred, err := a.Vault.Open(ctx, c.UserID, vault.PurposeCredential, c.ID, c.Credential)
	if err != nil {
		return mcpup.Secrets{}, fmt.Errorf("open the connection's credential: %w", err)
	}
	if c.AuthKind == mcpup.AuthOAuth {
		_, tokens := a.OAuth()
		tok, err := tokens.Access(ctx, c, cred, false)
		if err != nil {
			return mcpup.Secrets{}, fmt.Errorf("the connection's token: %w", secret.NewRedactor(cred).Scrub(err))
		}
		return mcpup.Secrets{Header: "Bearer " + tok.Reveal()}, nil
	}
	return mcpup.ParseSecrets(cred.Bytes())
}

// MCPSpec is what a session of c needs.
func MCPSpec(c store.Connection, cfg mcpup.Config, sec mcpup.Secrets) mcpup.Spec {
	if c.AuthKind == mcpup.AuthOAuth {
		cfg.Header = "Authorization"
	}
	return mcpup.Spec{UserID: c.UserID, ConnID: c.ID, Name: c.Name, Version: fmt.Sprint(c.UpdatedAt.UnixMicro()), Config: cfg, Secrets: sec}
}

// MCPToolState is one tool of an MCP connection and its pin state.
type MCPToolState struct {
	Name, State, Description string
}

// MCPTools starts the server, lists its tools and sets each beside its
// approved definition; the changes are what `connect approve` would
// approve.
func (a *App) MCPTools(ctx context.Context, u store.User, name string) ([]MCPToolState, []mcpup.Change, error) {
	c, cfg, sec, err := a.mcpConnection(ctx, u, name)
	if err != nil {
		return nil, nil, err
	}
	_, live, err := mcpup.Probe(ctx, a.MCPOptions(""), MCPSpec(c, cfg, sec))
	if err != nil {
		return nil, nil, fmt.Errorf("connect to the MCP server of %q: %w", name, err)
	}
	states, changes := mcpup.Compare(cfg.Tools, live)
	red := secret.NewRedactor(sec.Values()...)
	desc := map[string]string{}
	for _, p := range append(append([]mcpup.Pin{}, cfg.Tools...), live...) {
		if t, err := p.Tool(); err == nil {
			d, _ := red.Redact(firstLine(t.Description))
			desc[p.Name] = d
		}
	}
	var out []MCPToolState
	for n, st := range states {
		out = append(out, MCPToolState{Name: n, State: st, Description: desc[n]})
	}
	sortStates(out)
	for i := range changes {
		changes[i].Old = redactJSON(red, changes[i].Old)
		changes[i].New = redactJSON(red, changes[i].New)
	}
	return out, changes, nil
}

// ApproveMCP approves the server's tools as they are now: new and changed
// ones join the approved set, removed ones leave it. It returns the
// changes it approved (none: nothing to do).
func (a *App) ApproveMCP(ctx context.Context, u store.User, name string, confirm func([]mcpup.Change) error) ([]mcpup.Change, error) {
	c, cfg, sec, err := a.mcpConnection(ctx, u, name)
	if err != nil {
		return nil, err
	}
	_, live, err := mcpup.Probe(ctx, a.MCPOptions(""), MCPSpec(c, cfg, sec))
	if err != nil {
		return nil, fmt.Errorf("connect to the MCP server of %q: %w", name, err)
	}
	_, changes := mcpup.Compare(cfg.Tools, live)
	if len(changes) == 0 {
		return nil, nil
	}
	red := secret.NewRedactor(sec.Values()...)
	shown := make([]mcpup.Change, len(changes))
	for i, ch := range changes {
		ch.Old, ch.New = redactJSON(red, ch.Old), redactJSON(red, ch.New)
		shown[i] = ch
	}
	if err := confirm(shown); err != nil {
		return nil, err
	}
	if err := a.checkToolNames(ctx, u, name, live); err != nil {
		return nil, err
	}
	cfg.Tools = live
	c.MCP = cfg.Encode()
	prev := c.UpdatedAt
	c.UpdatedAt = time.Now().UTC()
	if err := a.Store.User(u.ID).UpdateConnectionIf(ctx, c, prev); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return nil, errors.New("the connection changed meanwhile; run the command again")
		}
		return nil, fmt.Errorf("store the approval: %w", err)
	}
	return shown, nil
}

// IsMCP reports whether the user's connection name is an MCP server.
func (a *App) IsMCP(ctx context.Context, u store.User, name string) bool {
	c, err := a.Store.User(u.ID).Connection(ctx, name)
	return err == nil && c.Provider == mcpup.Provider
}

// TestMCP starts the server and counts its tools.
func (a *App) TestMCP(ctx context.Context, u store.User, name string) (server string, tools int, err error) {
	c, cfg, sec, err := a.mcpConnection(ctx, u, name)
	if err != nil {
		return "", 0, err
	}
	server, live, err := mcpup.Probe(ctx, a.MCPOptions(""), MCPSpec(c, cfg, sec))
	if err != nil {
		return "", 0, fmt.Errorf("connect to the MCP server of %q: %w", name, err)
	}
	return server, len(live), nil
}

func redactJSON(red *secret.Redactor, b json.RawMessage) json.RawMessage {
	if b == nil {
		return nil
	}
	s, _ := red.Redact(string(b))
	return json.RawMessage(s)
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	if len(s) > 80 {
		s = s[:77] + "..."
	}
	return s
}

func sortStates(s []MCPToolState) {
	slices.SortFunc(s, func(a, b MCPToolState) int { return strings.Compare(a.Name, b.Name) })
}
