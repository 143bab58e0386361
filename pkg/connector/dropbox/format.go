package dropbox

import (
	"fmt"
	"strings"
	"time"
)

// The tools answer in short lines rather than Dropbox's JSON: a model
// reads them as easily at a fraction of the size.

func entryLine(m metadata) string {
	var b strings.Builder
	switch m.Tag {
	case "folder":
		fmt.Fprintf(&b, "[folder] %s/", m.path())
		return b.String()
	case "deleted":
		fmt.Fprintf(&b, "[deleted] %s", m.path())
		return b.String()
	}
	fmt.Fprintf(&b, "[file] %s · %s", m.path(), humanSize(m.Size))
	if t := when(m.ServerModified); t != "" {
		fmt.Fprintf(&b, " · modified %s", t)
	}
	if m.IsDownloadable != nil && !*m.IsDownloadable {
		b.WriteString(" · not downloadable")
	}
	return b.String()
}

// when renders a Dropbox timestamp ("2015-05-12T15:50:38Z") compactly.
func when(ts string) string {
	t, err := time.Parse(time.RFC3339, ts)
	if err != nil {
		return ts
	}
	return t.UTC().Format("2006-01-02 15:04Z")
}

func humanSize(n int64) string {
	const unit = 1024
	if n < unit {
		if n == 1 {
			return "1 byte"
		}
		return fmt.Sprintf("%d bytes", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit && exp < 3; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGT"[exp])
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

var visibility = map[string]string{
	"public":             "anyone with the link can view",
	"team_only":          "only members of the team can view",
	"password":           "a password is needed to view",
	"team_and_password":  "team members with the password can view",
	"shared_folder_only": "only members of the shared folder can view",
	"no_one":             "only people who already have access can view",
	"only_you":           "only you can view",
}
