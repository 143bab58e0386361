package google

import (
	"net/url"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// htmlToText renders an HTML mail body as plain text a model can read:
// scripts, styles and the head are dropped, block elements start new lines,
// list items get "- ", table cells are separated by " | ", images show
// their alt text and links keep their target after the text. It uses the
// tokenizer, not a parser, so malformed mail HTML cannot make it fail.
func htmlToText(src string) string {
	z := html.NewTokenizer(strings.NewReader(src))
	var w textWriter
	skip, pre := 0, 0
	var links []link
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return w.String()
		case html.TextToken:
			if skip == 0 {
				w.text(string(z.Text()), pre > 0)
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			attrs := map[string]string{}
			for hasAttr {
				var k, v []byte
				k, v, hasAttr = z.TagAttr()
				attrs[string(k)] = string(v)
			}
			a := atom.Lookup(name)
			if skipped(a) {
				if tt == html.StartTagToken {
					skip++
				}
				continue
			}
			if skip > 0 {
				continue
			}
			switch a {
			case atom.A:
				links = append(links, link{href: attrs["href"], start: w.b.Len()})
			case atom.Img:
				if alt := strings.TrimSpace(attrs["alt"]); alt != "" {
					w.text("["+alt+"]", false)
				}
			case atom.Pre:
				pre++
			}
			w.open(a)
		case html.EndTagToken:
			name, _ := z.TagName()
			a := atom.Lookup(name)
			if skipped(a) {
				if skip > 0 {
					skip--
				}
				continue
			}
			if skip > 0 {
				continue
			}
			switch a {
			case atom.A:
				if n := len(links); n > 0 {
					w.endLink(links[n-1])
					links = links[:n-1]
				}
			case atom.Pre:
				pre = max(pre-1, 0)
			}
			w.close(a)
		}
	}
}

// skipped elements hold no text meant for the reader.
func skipped(a atom.Atom) bool {
	switch a {
	case atom.Script, atom.Style, atom.Head, atom.Title, atom.Noscript, atom.Template, atom.Svg:
		return true
	}
	return false
}

type link struct {
	href  string
	start int
}

// textWriter collapses whitespace the way a browser does and keeps at most
// one blank line between blocks.
type textWriter struct {
	b       strings.Builder
	nl      int  // newlines at the end of b
	space   bool // whitespace seen since the last word
	started bool
	cells   int // cells written in the current table row
}

func (w *textWriter) write(s string) {
	if s == "" {
		return
	}
	w.b.WriteString(s)
	w.started = true
	trail := len(s) - len(strings.TrimRight(s, "\n"))
	if trail == len(s) {
		w.nl += trail
	} else {
		w.nl = trail
	}
}

func (w *textWriter) text(s string, pre bool) {
	if pre {
		w.write(strings.ReplaceAll(s, "\r\n", "\n"))
		w.space = false
		return
	}
	words := strings.Fields(s)
	if len(words) == 0 {
		w.space = w.space || s != ""
		return
	}
	lead := s != "" && s != strings.TrimLeftFunc(s, isSpace)
	if (w.space || lead) && w.started && w.nl == 0 {
		w.b.WriteString(" ")
	}
	w.write(strings.Join(words, " "))
	w.space = s != strings.TrimRightFunc(s, isSpace)
}

func isSpace(r rune) bool { return strings.ContainsRune(" \t\n\r\f\u00a0", r) }

// breakLines ends the current line and, for n == 2, leaves a blank line.
func (w *textWriter) breakLines(n int) {
	w.space = false
	if !w.started {
		return
	}
	for w.nl < n {
		w.b.WriteString("\n")
		w.nl++
	}
}

func (w *textWriter) open(a atom.Atom) {
	switch a {
	case atom.Br:
		w.b.WriteString("\n")
		w.nl++
		w.space = false
	case atom.P, atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6, atom.Blockquote, atom.Table, atom.Ul, atom.Ol, atom.Pre:
		w.breakLines(2)
	case atom.Div, atom.Section, atom.Article, atom.Header, atom.Footer, atom.Dt, atom.Dd:
		w.breakLines(1)
	case atom.Tr:
		w.breakLines(1)
		w.cells = 0
	case atom.Td, atom.Th:
		if w.cells > 0 {
			w.write(" | ")
		}
		w.cells++
		w.space = false
	case atom.Li:
		w.breakLines(1)
		w.write("- ")
		w.space = false
	case atom.Hr:
		w.breakLines(1)
		w.write("----")
		w.breakLines(1)
	}
}

func (w *textWriter) close(a atom.Atom) {
	switch a {
	case atom.P, atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6, atom.Blockquote, atom.Table, atom.Ul, atom.Ol, atom.Pre:
		w.breakLines(2)
	case atom.Div, atom.Section, atom.Article, atom.Header, atom.Footer, atom.Tr, atom.Li, atom.Dt, atom.Dd:
		w.breakLines(1)
	}
}

// endLink appends the target of a link whose text does not already say
// it, so "click here" keeps where it goes. Only web and mail links count.
func (w *textWriter) endLink(l link) {
	u, err := url.Parse(strings.TrimSpace(l.href))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https" && u.Scheme != "mailto") {
		return
	}
	text := strings.TrimSpace(w.b.String()[min(l.start, w.b.Len()):])
	target := u.String()
	if text == target || "mailto:"+text == target {
		return
	}
	w.write(" (" + target + ")")
	w.space = false
}

func (w *textWriter) String() string {
	lines := strings.Split(w.b.String(), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRightFunc(l, isSpace)
	}
	out := strings.Join(lines, "\n")
	for strings.Contains(out, "\n\n\n") {
		out = strings.ReplaceAll(out, "\n\n\n", "\n\n")
	}
	return strings.TrimSpace(out)
}
