package appliance

import (
	"fmt"
	"net/url"
	"os"
	"sort"

	"github.com/mcpgate/mcpgate/pkg/config"
	"github.com/mcpgate/mcpgate/pkg/safefile"
)

// FileWarnings lists the local files that other accounts can read though
// they should not: the data dir (wider than 0700), the SQLite database,
// a config file that holds a client secret, and a client_secret_file
// that others (not only its group) can read. They are warnings, not
// refusals: the KEK, without which nothing in them is a credential, is
// refused when loose (see keyprovider/local). Each warning says the fix.
func FileWarnings(cfg *config.Config) []string {
	var out []string
	check := func(path, what string, mask os.FileMode, fix string) {
		fi, err := os.Stat(path)
		if err != nil || !safefile.Loose(fi.Mode(), mask) {
			return
		}
		out = append(out, fmt.Sprintf("%s %s has mode %04o: other accounts can read it; %s", what, path, fi.Mode().Perm(), fix))
	}
	check(cfg.DataDir, "the data dir", 0o077, "run `chmod 700 "+cfg.DataDir+"`")
	if u, err := url.Parse(cfg.Database.URL); err == nil && u.Scheme == "sqlite" && u.Path != "" {
		check(u.Path, "the database", 0o077, "run `chmod 600 "+u.Path+"`")
	}
	if cfg.File != "" && cfg.FileHoldsSecret {
		check(cfg.File, "the config file, which holds a client_secret,", 0o077,
			"run `chmod 600 "+cfg.File+"`, or move the secret to client_secret_file")
	}
	names := make([]string, 0, len(cfg.Connectors))
	for name := range cfg.Connectors {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if f := cfg.Connectors[name].ClientSecretFile; f != "" {
			check(f, "connectors."+name+".client_secret_file", 0o007, "run `chmod o-rwx "+f+"`")
		}
	}
	return out
}
