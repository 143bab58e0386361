package dropbox

import (
	"fmt"
	"strings"
)

// normPath rewrites a path argument into its canonical form (see pathArg).
func normPath(name string, v *string, root bool) error {
	p, err := pathArg(name, *v, root)
	*v = p
	return err
}

// pathArg normalises a Dropbox path: "/Documents/a.txt", an "id:…" or
// "rev:…" reference. Without a leading slash one is added; a trailing one
// is dropped. root allows the root folder, which Dropbox spells "".
func pathArg(name, v string, root bool) (string, error) {
	v = strings.TrimSpace(v)
	if strings.HasPrefix(v, "id:") || strings.HasPrefix(v, "rev:") || strings.HasPrefix(v, "ns:") {
		if len(v) < 5 || strings.ContainsFunc(v, isControl) {
			return "", fmt.Errorf("%s %q is not a valid Dropbox reference", name, v)
		}
		return v, nil
	}
	if !strings.HasPrefix(v, "/") {
		v = "/" + v
	}
	// Trailing slashes and spaces go together ("/a /" is "/a"), until
	// neither is left, so a second pass changes nothing.
	for t := ""; t != v; {
		t, v = v, strings.TrimSpace(strings.TrimRight(v, "/"))
	}
	if v == "" {
		if root {
			return "", nil
		}
		return "", fmt.Errorf("%s is required: a path such as /Documents/notes.txt", name)
	}
	if strings.ContainsFunc(v, isControl) || strings.Contains(v, "\\") {
		return "", fmt.Errorf("%s %q has characters Dropbox paths cannot contain", name, v)
	}
	for seg := range strings.SplitSeq(v[1:], "/") {
		if seg == "" || seg == "." || seg == ".." {
			return "", fmt.Errorf("%s %q has an empty, \".\" or \"..\" part; give the full path from the Dropbox root", name, v)
		}
	}
	if len(v) > 4096 {
		return "", fmt.Errorf("%s is too long for Dropbox", name)
	}
	return v, nil
}

func isControl(r rune) bool { return r < ' ' || r == 0x7f }

func displayPath(p string) string {
	if p == "" {
		return "/"
	}
	return p
}
