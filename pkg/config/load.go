package config

import (
	"errors"
	"fmt"
	"io/fs"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/go-viper/mapstructure/v2"
	"github.com/spf13/pflag"
	"github.com/spf13/viper"
)

// Options say where Load looks.
type Options struct {
	// File is the config file; "" means <data dir>/mcpgate.yaml if it
	// exists.
	File string
	// Flags are bound by their names: a flag named "data-dir" sets
	// data_dir, "tls-mode" sets tls.mode (dashes become underscores, and
	// the prefixes below become dotted).
	Flags *pflag.FlagSet
	// Env replaces os.Environ (tests); nil means the process environment.
	Env []string
}

// flagKeys maps flag names to config keys where they differ.
var flagKeys = map[string]string{
	"data-dir":     "data_dir",
	"database-url": "database.url",
	"key-provider": "key_provider",
	"listen":       "listen",
	"tls":          "tls.mode",
	"public-url":   "public_url",
	"admin-listen": "admin.listen",
}

// Load reads the configuration: defaults, then the file, then MCPGATE_*
// variables, then flags that were set; then fills derived defaults and
// validates.
func Load(opts Options) (*Config, error) {
	v := viper.New()
	for k, d := range defaults() {
		v.SetDefault(k, d)
	}
	env := opts.Env
	if env == nil {
		env = os.Environ()
	}
	envMap := map[string]string{}
	for _, kv := range env {
		if k, val, ok := strings.Cut(kv, "="); ok && strings.HasPrefix(k, "MCPGATE_") {
			envMap[k] = val
		}
	}
	fromFlags := map[string]bool{}
	if opts.Flags != nil {
		var bindErr error
		opts.Flags.VisitAll(func(f *pflag.Flag) {
			if key, ok := flagKeys[f.Name]; ok && f.Changed {
				fromFlags[key] = true
				if err := v.BindPFlag(key, f); err != nil {
					bindErr = err
				}
			}
		})
		if bindErr != nil {
			return nil, fmt.Errorf("bind flags: %w", bindErr)
		}
	}

	file, err := findFile(opts, fromFlags, v, envMap)
	if err != nil {
		return nil, err
	}
	if file != "" {
		v.SetConfigFile(file)
		v.SetConfigType("yaml")
		if err := v.ReadInConfig(); err != nil {
			return nil, fmt.Errorf("read config file %s: %w", file, err)
		}
	}
	if err := applyEnv(v, envMap, fromFlags); err != nil {
		return nil, err
	}

	var c Config
	err = v.UnmarshalExact(&c, viper.DecodeHook(mapstructure.ComposeDecodeHookFunc(
		daysHook,
		prefixHook,
		mapstructure.StringToTimeDurationHookFunc(),
		mapstructure.StringToSliceHookFunc(","),
	)))
	if err != nil {
		return nil, fmt.Errorf("config %s: %w", describe(file), cleanDecodeError(err))
	}
	c.File = file
	if file != "" {
		for _, p := range Providers {
			if key := "connectors." + p + ".client_secret"; v.InConfig(key) && fileValue(v, key) {
				c.FileHoldsSecret = true
			}
		}
	}
	c.fillDerived()
	if err := c.Validate(); err != nil {
		return nil, fmt.Errorf("config %s: %w", describe(file), err)
	}
	return &c, nil
}

// daysHook lets durations be written in days ("90d"), as retention
// periods usually are; other forms go to time.ParseDuration.
func daysHook(from, to reflect.Type, data any) (any, error) {
	str, ok := data.(string)
	if !ok || from.Kind() != reflect.String || to != reflect.TypeOf(time.Duration(0)) {
		return data, nil
	}
	days, ok := strings.CutSuffix(strings.TrimSpace(str), "d")
	if !ok {
		return data, nil
	}
	n, err := strconv.Atoi(days)
	if err != nil || n < 0 {
		return nil, fmt.Errorf("%q is not a number of days", str)
	}
	return time.Duration(n) * 24 * time.Hour, nil
}

// prefixHook reads a network as a CIDR (10.0.0.0/8) or a single address
// (10.0.0.5, meaning 10.0.0.5/32). A CIDR with host bits set (10.0.0.5/8)
// is refused rather than silently widened or narrowed. A list given as one
// string (from the environment) is comma-separated.
func prefixHook(from, to reflect.Type, data any) (any, error) {
	str, ok := data.(string)
	if !ok || from.Kind() != reflect.String {
		return data, nil
	}
	switch to {
	case reflect.TypeOf([]netip.Prefix{}):
		if strings.TrimSpace(str) == "" {
			return []string{}, nil
		}
		return strings.Split(str, ","), nil
	case reflect.TypeOf(netip.Prefix{}):
	default:
		return data, nil
	}
	str = strings.TrimSpace(str)
	if a, err := netip.ParseAddr(str); err == nil && a.Zone() == "" {
		return netip.PrefixFrom(a, a.BitLen()), nil
	}
	p, err := netip.ParsePrefix(str)
	if err != nil {
		return nil, fmt.Errorf("%q is not an IP address or a CIDR such as 10.0.0.0/8", str)
	}
	if p != p.Masked() {
		return nil, fmt.Errorf("%q has bits set beyond its /%d: write %s", str, p.Bits(), p.Masked())
	}
	return p, nil
}

// fileValue reports whether the config file sets key to something
// non-empty (the environment may have overridden it since).
func fileValue(v *viper.Viper, key string) bool {
	sub := v.Get(key)
	s, ok := sub.(string)
	return !ok || s != ""
}

func describe(file string) string {
	if file == "" {
		return "(no file)"
	}
	return file
}

// findFile picks the config file: the explicit one (which must exist), or
// the data dir's if it exists.
func findFile(opts Options, fromFlags map[string]bool, v *viper.Viper, env map[string]string) (string, error) {
	file := opts.File
	if file == "" {
		file = env["MCPGATE_CONFIG"]
	}
	if file != "" {
		if _, err := os.Stat(file); err != nil {
			return "", fmt.Errorf("config file %s: %w", file, err)
		}
		return file, nil
	}
	dir := env["MCPGATE_DATA_DIR"]
	if fromFlags["data_dir"] {
		dir = v.GetString("data_dir")
	}
	if dir == "" {
		dir = DefaultDataDir()
	}
	p := filepath.Join(dir, FileName)
	if _, err := os.Stat(p); errors.Is(err, fs.ErrNotExist) {
		return "", nil
	} else if err != nil {
		return "", fmt.Errorf("config file %s: %w", p, err)
	}
	return p, nil
}

// applyEnv sets every MCPGATE_* variable that names a known key; an unknown
// MCPGATE_* variable is an error, as an unknown file key is.
func applyEnv(v *viper.Viper, env map[string]string, fromFlags map[string]bool) error {
	known := map[string]string{}
	for _, k := range allKeys() {
		known["MCPGATE_"+strings.ToUpper(strings.ReplaceAll(k, ".", "_"))] = k
	}
	for name, val := range env {
		switch name {
		case "MCPGATE_CONFIG", "MCPGATE_USER", "MCPGATE_KEK_FILE", "MCPGATE_OUTPUT":
			continue // read by the CLI, not settings
		}
		if strings.HasPrefix(name, "MCPGATE_TEST_") {
			continue
		}
		key, ok := known[name]
		if !ok && val == "" {
			continue // set but empty: as good as unset
		}
		if !ok {
			return fmt.Errorf("environment variable %s does not name a setting (check its spelling)", name)
		}
		if fromFlags[key] {
			continue // flags win over the environment
		}
		v.Set(key, val)
	}
	return nil
}

func allKeys() []string {
	var keys []string
	for k := range defaults() {
		keys = append(keys, k)
	}
	for _, p := range Providers {
		for _, f := range []string{"api_url", "auth_url", "token_url", "revoke_url", "client_id", "client_secret", "client_secret_file"} {
			keys = append(keys, "connectors."+p+"."+f)
		}
	}
	return keys
}

func cleanDecodeError(err error) error {
	msg := err.Error()
	msg = strings.ReplaceAll(msg, "decoding failed due to the following error(s):\n\n", "")
	if strings.Contains(msg, "has invalid keys:") {
		msg = strings.Replace(msg, "has invalid keys:", "has unknown keys:", 1)
		msg += " (check the spelling against configs/mcpgate.example.yaml)"
	}
	return errors.New(msg)
}
