package config

import (
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"regexp"
	"strings"
)

// NewFile is what `mcpgate init` writes into a new config file: the
// settings a person would otherwise pass on every command.
type NewFile struct {
	DataDir  string
	Listen   string
	Database Database // a URL holding a password is left out (see WriteNew)
	// KeyProvider is the key_provider setting.
	KeyProvider string
}

// WriteNew writes f to path as a minimal config file (mode 0600), unless
// a file exists there, which it leaves as it is; it reports whether it
// wrote one. A database URL holding a password is not written: the file
// gets a comment naming the environment variable to set it in instead.
func WriteNew(path string, f NewFile) (bool, error) {
	var b strings.Builder
	b.WriteString("# mcpgate configuration; every setting is described in configs/mcpgate.example.yaml\n")
	fmt.Fprintf(&b, "data_dir: %q\n", f.DataDir)
	fmt.Fprintf(&b, "listen: %q\n", f.Listen)
	b.WriteString("database:\n")
	writeURL(&b, "url", f.Database.URL)
	if f.Database.AdminURL != "" {
		writeURL(&b, "admin_url", f.Database.AdminURL)
	}
	fmt.Fprintf(&b, "key_provider: %q\n", f.KeyProvider)
	out, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("create config file: %w", err)
	}
	if _, err := out.WriteString(b.String()); err != nil {
		out.Close()
		return false, fmt.Errorf("write config file: %w", err)
	}
	return true, out.Close()
}

// writeURL writes a database URL setting, unless it holds a password: a
// password does not belong in a file others may read over one's shoulder;
// the environment keeps it.
func writeURL(b *strings.Builder, key, raw string) {
	if u, err := url.Parse(raw); err == nil && u.User != nil {
		if _, hasPassword := u.User.Password(); hasPassword {
			fmt.Fprintf(b, "  # database.%s holds a password: set it in MCPGATE_DATABASE_%s\n", key, strings.ToUpper(key))
			return
		}
	}
	fmt.Fprintf(b, "  %s: %q\n", key, raw)
}

var keyProviderLine = regexp.MustCompile(`(?m)^key_provider:.*$`)

// SetKeyProvider sets key_provider to rawURL in the config file at path,
// keeping the rest of the file as it is: the key_provider line is
// replaced, or one is appended if there is none. The new file is written
// beside the old one and renamed over it, so a reader sees one or the
// other whole.
func SetKeyProvider(path, rawURL string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read config file: %w", err)
	}
	line := fmt.Sprintf("key_provider: %q", rawURL)
	if keyProviderLine.Match(b) {
		b = keyProviderLine.ReplaceAll(b, []byte(line))
	} else {
		b = append(b, []byte("\n"+line+"\n")...)
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return fmt.Errorf("write config file: %w", err)
	}
	return os.Rename(tmp, path)
}
