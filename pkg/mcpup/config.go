package mcpup

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/mcpgate/mcpgate/pkg/secret"
)

// Provider is the provider name of every MCP connection.
const Provider = "mcp"

// Auth kinds of an MCP connection (store.Connection.AuthKind).
const (
	// AuthNone: a remote server without credentials, or a command
	// without secret environment variables.
	AuthNone = "none"
	// AuthHeader: a remote server reached with one static header whose
	// value is sealed in the vault.
	AuthHeader = "header"
	// AuthEnv: a command given secret environment variables.
	AuthEnv = "env"
	// AuthOAuth: a remote server behind OAuth. The connection's sealed
	// credential is the token that package oauth keeps and refreshes; it
	// is sent as "Authorization: Bearer <access token>".
	AuthOAuth = "oauth2"
)

// Config is what is not secret about an MCP connection, kept as JSON in
// store.Connection.MCP. Exactly one of URL and Command is set.
type Config struct {
	URL string `json:"url,omitempty"`
	// Header names the header whose value is Secrets.Header.
	Header  string            `json:"header,omitempty"`
	Command string            `json:"command,omitempty"`
	Args    []string          `json:"args,omitempty"`
	Env     map[string]string `json:"env,omitempty"`
	// SecretEnv names the variables whose values are Secrets.Env.
	SecretEnv []string `json:"secret_env,omitempty"`
	// Tools are the approved tool definitions, by name.
	Tools []Pin `json:"tools,omitempty"`
}

// Secrets are an MCP connection's sealed values (the vault's plaintext
// for the AuthNone, AuthHeader and AuthEnv kinds).
type Secrets struct {
	Header string            `json:"header,omitempty"`
	Env    map[string]string `json:"env,omitempty"`
}

// Values lists every secret, for redaction.
func (s Secrets) Values() []secret.Value {
	var v []secret.Value
	if s.Header != "" {
		v = append(v, secret.FromString(s.Header))
		// "Bearer xyz": the token alone is as secret as the whole value.
		if _, tok, ok := strings.Cut(s.Header, " "); ok && len(strings.TrimSpace(tok)) >= 8 {
			v = append(v, secret.FromString(strings.TrimSpace(tok)))
		}
	}
	for _, e := range s.Env {
		if e != "" {
			v = append(v, secret.FromString(e))
		}
	}
	return v
}

// ParseSecrets decodes a sealed Secrets.
func ParseSecrets(b []byte) (Secrets, error) {
	var s Secrets
	if len(b) == 0 {
		return s, nil
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return s, errors.New("the connection's sealed values do not decode; connect it again")
	}
	return s, nil
}

// ParseConfig decodes store.Connection.MCP.
func ParseConfig(s string) (Config, error) {
	var c Config
	if err := json.Unmarshal([]byte(s), &c); err != nil {
		return c, fmt.Errorf("the MCP connection's settings do not decode: %w", err)
	}
	return c, nil
}

// Encode is the JSON stored in store.Connection.MCP.
func (c Config) Encode() string {
	b, err := json.Marshal(c)
	if err != nil {
		panic("mcpup: config does not marshal: " + err.Error())
	}
	return string(b)
}

// Remote reports whether the connection reaches a server by URL.
func (c Config) Remote() bool { return c.URL != "" }

// Target is the URL, or the command line (without secret values, which
// never appear in it).
func (c Config) Target() string {
	if c.Remote() {
		return c.URL
	}
	return strings.Join(append([]string{c.Command}, c.Args...), " ")
}

var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// reservedEnv are the variables mcpgate sets itself.
var reservedEnv = map[string]bool{"PATH": true, "HOME": true, "TMPDIR": true}

// Validate checks a new connection's settings and says what to fix.
func (c Config) Validate() error {
	switch {
	case c.URL != "" && c.Command != "":
		return errors.New("give either --url or --command, not both")
	case c.URL == "" && c.Command == "":
		return errors.New("give --url URL (a remote server) or --command PROG (a local one)")
	}
	if c.Remote() {
		u, err := url.Parse(c.URL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return fmt.Errorf("--url %q: want an http:// or https:// URL", c.URL)
		}
		if u.User != nil {
			return errors.New("--url: put no credentials in the URL; use --header with --secret-stdin")
		}
		if len(c.Args) > 0 || len(c.Env) > 0 || len(c.SecretEnv) > 0 {
			return errors.New("--arg, --env and --secret-env are for --command")
		}
		if c.Header != "" && (http.CanonicalHeaderKey(c.Header) == "" || !envLikeHeader(c.Header)) {
			return fmt.Errorf("--header %q is not a header name", c.Header)
		}
		return nil
	}
	if c.Header != "" {
		return errors.New("--header is for --url; a command takes --secret-env")
	}
	if strings.ContainsRune(c.Command, 0) {
		return errors.New("--command: a NUL byte")
	}
	for k := range c.Env {
		if !envName.MatchString(k) || reservedEnv[k] || strings.HasPrefix(k, "MCPGATE_") {
			return fmt.Errorf("--env %s: not a variable name mcpgate passes (names are letters, digits and _; PATH, HOME, TMPDIR and MCPGATE_* are set by mcpgate)", k)
		}
	}
	for _, k := range c.SecretEnv {
		if !envName.MatchString(k) || reservedEnv[k] || strings.HasPrefix(k, "MCPGATE_") {
			return fmt.Errorf("--secret-env %s: not a variable name mcpgate passes", k)
		}
		if _, dup := c.Env[k]; dup {
			return fmt.Errorf("%s is both --env and --secret-env", k)
		}
	}
	return nil
}

var headerName = regexp.MustCompile("^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")

func envLikeHeader(h string) bool { return headerName.MatchString(h) }

// AuthKind is the auth kind a new connection with these settings has.
func (c Config) AuthKind() string {
	switch {
	case c.Header != "":
		return AuthHeader
	case len(c.SecretEnv) > 0:
		return AuthEnv
	}
	return AuthNone
}
