package googlefake

import (
	"errors"
	"strings"
)

// The fake's subset of Drive's query language: comparisons on name,
// fullText, mimeType, trashed, starred, modifiedTime and createdTime,
// "'ID' in parents", combined with and, or, not and parentheses. Strings
// are single-quoted with \' and \\ escapes. Anything else is a 400, as an
// invalid query is for Drive.

type token struct {
	kind string // "str", "word", "op", "(", ")"
	text string
}

func lexQuery(q string) ([]token, error) {
	var out []token
	for i := 0; i < len(q); {
		c := q[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '(' || c == ')':
			out = append(out, token{kind: string(c)})
			i++
		case c == '\'':
			var b strings.Builder
			i++
			for ; i < len(q) && q[i] != '\''; i++ {
				if q[i] == '\\' {
					i++
					if i >= len(q) || (q[i] != '\'' && q[i] != '\\') {
						return nil, errors.New("bad escape")
					}
				}
				b.WriteByte(q[i])
			}
			if i >= len(q) {
				return nil, errors.New("unterminated string")
			}
			i++
			out = append(out, token{kind: "str", text: b.String()})
		case strings.ContainsRune("=!<>", rune(c)):
			j := i + 1
			if j < len(q) && q[j] == '=' {
				j++
			}
			op := q[i:j]
			if op == "!" {
				return nil, errors.New("bad operator")
			}
			out = append(out, token{kind: "op", text: op})
			i = j
		default:
			j := i
			for j < len(q) && !strings.ContainsRune(" \t\r\n()'=!<>", rune(q[j])) {
				j++
			}
			out = append(out, token{kind: "word", text: q[i:j]})
			i = j
		}
	}
	return out, nil
}

// pred is a compiled query.
type pred func(f *file) bool

type queryParser struct {
	toks []token
	pos  int
}

func parseQuery(q string) (pred, error) {
	toks, err := lexQuery(q)
	if err != nil {
		return nil, err
	}
	if len(toks) == 0 {
		return func(*file) bool { return true }, nil
	}
	p := &queryParser{toks: toks}
	e, err := p.or()
	if err != nil {
		return nil, err
	}
	if p.pos != len(p.toks) {
		return nil, errors.New("trailing input")
	}
	return e, nil
}

func (p *queryParser) peekWord(w string) bool {
	return p.pos < len(p.toks) && p.toks[p.pos].kind == "word" && strings.EqualFold(p.toks[p.pos].text, w)
}

func (p *queryParser) next() (token, bool) {
	if p.pos >= len(p.toks) {
		return token{}, false
	}
	p.pos++
	return p.toks[p.pos-1], true
}

func (p *queryParser) or() (pred, error) {
	l, err := p.and()
	for err == nil && p.peekWord("or") {
		p.pos++
		var r pred
		if r, err = p.and(); err == nil {
			a, b := l, r
			l = func(f *file) bool { return a(f) || b(f) }
		}
	}
	return l, err
}

func (p *queryParser) and() (pred, error) {
	l, err := p.unary()
	for err == nil && p.peekWord("and") {
		p.pos++
		var r pred
		if r, err = p.unary(); err == nil {
			a, b := l, r
			l = func(f *file) bool { return a(f) && b(f) }
		}
	}
	return l, err
}

func (p *queryParser) unary() (pred, error) {
	if p.peekWord("not") {
		p.pos++
		e, err := p.unary()
		if err != nil {
			return nil, err
		}
		return func(f *file) bool { return !e(f) }, nil
	}
	t, ok := p.next()
	if !ok {
		return nil, errors.New("unexpected end")
	}
	if t.kind == "(" {
		e, err := p.or()
		if err != nil {
			return nil, err
		}
		if c, ok := p.next(); !ok || c.kind != ")" {
			return nil, errors.New("missing )")
		}
		return e, nil
	}
	if t.kind == "str" { // 'value' in parents
		if !p.peekWord("in") {
			return nil, errors.New("expected in")
		}
		p.pos++
		field, ok := p.next()
		if !ok || field.kind != "word" || field.text != "parents" {
			return nil, errors.New("only 'ID' in parents is supported")
		}
		id := t.text
		return func(f *file) bool { return contains(f.parents, id) }, nil
	}
	if t.kind != "word" {
		return nil, errors.New("expected a field")
	}
	op, ok := p.next()
	if !ok {
		return nil, errors.New("expected an operator")
	}
	if op.kind == "word" && op.text == "contains" {
		op.kind = "op"
	}
	val, ok := p.next()
	if !ok || op.kind != "op" {
		return nil, errors.New("expected an operator and a value")
	}
	return comparison(t.text, op.text, val)
}

func comparison(field, op string, val token) (pred, error) {
	switch field {
	case "trashed", "starred":
		if val.kind != "word" || (val.text != "true" && val.text != "false") || (op != "=" && op != "!=") {
			return nil, errors.New("bad boolean comparison")
		}
		want := (val.text == "true") == (op == "=")
		return func(f *file) bool {
			if field == "trashed" {
				return f.trashed == want
			}
			return f.starred == want
		}, nil
	}
	if val.kind != "str" {
		return nil, errors.New("expected a quoted string")
	}
	v := val.text
	get := map[string]func(*file) string{
		"name":         func(f *file) string { return f.name },
		"mimeType":     func(f *file) string { return f.mimeType },
		"fullText":     func(f *file) string { return f.fullText() },
		"modifiedTime": func(f *file) string { return f.modified.Format(timeLayout) },
		"createdTime":  func(f *file) string { return f.created.Format(timeLayout) },
	}[field]
	if get == nil {
		return nil, errors.New("unknown field " + field)
	}
	switch op {
	case "contains":
		if field != "name" && field != "fullText" && field != "mimeType" {
			return nil, errors.New("contains is not supported for " + field)
		}
		return func(f *file) bool { return strings.Contains(strings.ToLower(get(f)), strings.ToLower(v)) }, nil
	case "=":
		return func(f *file) bool { return get(f) == v }, nil
	case "!=":
		return func(f *file) bool { return get(f) != v }, nil
	case "<", "<=", ">", ">=":
		if field != "modifiedTime" && field != "createdTime" {
			return nil, errors.New("ordering is only supported for times")
		}
		return func(f *file) bool {
			c := strings.Compare(get(f), v)
			return map[string]bool{"<": c < 0, "<=": c <= 0, ">": c > 0, ">=": c >= 0}[op]
		}, nil
	}
	return nil, errors.New("bad operator " + op)
}
