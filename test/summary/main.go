// Command summary reads `go test -json` on stdin and prints what a person
// needs from a whole-suite run: each package's result line, the full
// output of every failed test, the tests skipped because an optional part
// of the machine is missing (grouped by what to install), and a closing
// line "tests: N passed, N failed, N skipped". It exits 1 when anything
// failed, so `make test` fails with it.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

type event struct {
	Action  string
	Package string
	Test    string
	Output  string
}

type tally struct {
	passed, failed, skipped int
	pkgFailed               bool
	missing                 map[string]int // "needs X: how" -> tests skipped for it
}

func main() {
	t, err := summarise(os.Stdin, os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "summary:", err)
		os.Exit(1)
	}
	if t.failed > 0 || t.pkgFailed {
		os.Exit(1)
	}
}

func summarise(in io.Reader, out io.Writer) (tally, error) {
	t := tally{missing: map[string]int{}}
	buf := map[string][]string{} // package/test -> its output so far
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		line := sc.Bytes()
		var e event
		if json.Unmarshal(line, &e) != nil || e.Action == "" {
			fmt.Fprintln(out, string(line)) // not an event: a build error or a panic before -json took over
			continue
		}
		key := e.Package + "\x00" + e.Test
		switch e.Action {
		case "build-output":
			fmt.Fprint(out, e.Output)
		case "build-fail":
			t.pkgFailed = true
		case "output":
			if e.Test == "" {
				if isResultLine(e.Output) {
					fmt.Fprint(out, e.Output)
				} else {
					buf[key] = append(buf[key], e.Output)
				}
				continue
			}
			buf[key] = append(buf[key], e.Output)
		case "pass":
			if e.Test != "" {
				t.passed++
			}
			delete(buf, key)
		case "skip":
			if e.Test != "" {
				t.skipped++
				if m := missingPart(buf[key]); m != "" {
					t.missing[m]++
				}
			}
			delete(buf, key)
		case "fail":
			if e.Test == "" {
				t.pkgFailed = true
				for _, l := range buf[key] { // a panic outside any test, a timeout
					fmt.Fprint(out, l)
				}
			} else {
				t.failed++
				fmt.Fprintf(out, "=== FAIL %s %s\n", e.Package, e.Test)
				for _, l := range buf[key] {
					fmt.Fprint(out, l)
				}
			}
			delete(buf, key)
		}
	}
	if err := sc.Err(); err != nil {
		return t, fmt.Errorf("read go test output: %w", err)
	}
	if len(t.missing) > 0 {
		fmt.Fprintln(out, "skipped because a part is missing (.ci/run installs them and makes them required):")
		keys := make([]string, 0, len(t.missing))
		for k := range t.missing {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Fprintf(out, "  %d skipped: %s\n", t.missing[k], k)
		}
	}
	fmt.Fprintf(out, "tests: %d passed, %d failed, %d skipped\n", t.passed, t.failed, t.skipped)
	return t, nil
}

func isResultLine(s string) bool {
	return strings.HasPrefix(s, "ok  ") || strings.HasPrefix(s, "FAIL\t") || strings.HasPrefix(s, "?   ") ||
		strings.HasPrefix(s, "ok\t")
}

// missingPart finds the one line test/parts writes when it skips.
func missingPart(lines []string) string {
	for _, l := range lines {
		l = strings.TrimSpace(l)
		if i := strings.Index(l, "needs "); i >= 0 && strings.Contains(l[i:], ": ") {
			return l[i:]
		}
	}
	return ""
}
