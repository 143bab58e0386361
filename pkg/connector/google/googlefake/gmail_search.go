package googlefake

import (
	"encoding/base64"
	"mime"
	"strings"
	"unicode/utf8"
)

// matches evaluates the subset of Gmail's search syntax the fake knows:
// words and "phrases" (anywhere in the headers or text), from:, to:, cc:,
// subject:, label:, in:, is:unread|read|starred|important, has:attachment,
// and a leading - to negate. Date operators (after:, newer_than:, ...) are
// accepted and match everything. mu is held.
func (s *Server) matches(m *message, q string) bool {
	for _, term := range searchTerms(q) {
		neg := strings.HasPrefix(term, "-") && len(term) > 1
		if neg {
			term = term[1:]
		}
		if s.matchTerm(m, term) == neg {
			return false
		}
	}
	return true
}

func searchTerms(q string) []string {
	var terms []string
	var cur strings.Builder
	quoted := false
	for _, r := range q {
		switch {
		case r == '"':
			quoted = !quoted
		case r == ' ' && !quoted:
			if cur.Len() > 0 {
				terms = append(terms, cur.String())
				cur.Reset()
			}
		default:
			cur.WriteRune(r)
		}
	}
	if cur.Len() > 0 {
		terms = append(terms, cur.String())
	}
	return terms
}

var fakeDecoder = new(mime.WordDecoder)

func decoded(v string) string {
	if d, err := fakeDecoder.DecodeHeader(v); err == nil {
		return d
	}
	return v
}

func has(haystack, needle string) bool {
	return strings.Contains(strings.ToLower(haystack), strings.ToLower(needle))
}

func (s *Server) matchTerm(m *message, term string) bool {
	hs := m.payload.Headers
	op, val, ok := strings.Cut(term, ":")
	if !ok || val == "" {
		all := decoded(headerValue(hs, "From")) + " " + decoded(headerValue(hs, "To")) + " " +
			decoded(headerValue(hs, "Subject")) + " " + bodyText(m.payload)
		return has(all, term)
	}
	switch strings.ToLower(op) {
	case "from":
		return has(decoded(headerValue(hs, "From")), val)
	case "to":
		return has(decoded(headerValue(hs, "To")+" "+headerValue(hs, "Cc")), val)
	case "cc":
		return has(decoded(headerValue(hs, "Cc")), val)
	case "subject":
		return has(decoded(headerValue(hs, "Subject")), val)
	case "label", "in":
		return s.hasLabelNamed(m, val)
	case "is":
		want := map[string]string{"unread": "UNREAD", "starred": "STARRED", "important": "IMPORTANT"}[strings.ToLower(val)]
		if strings.EqualFold(val, "read") {
			return !contains(m.labels, "UNREAD")
		}
		return want != "" && contains(m.labels, want)
	case "has":
		return strings.EqualFold(val, "attachment") && hasAttachment(m.payload)
	case "after", "before", "older", "newer", "older_than", "newer_than":
		return true
	}
	return has(bodyText(m.payload), term)
}

// hasLabelNamed matches a label by id or by name, Gmail-style: case does
// not matter and "-" stands for "/" or a space.
func (s *Server) hasLabelNamed(m *message, name string) bool {
	norm := func(v string) string {
		return strings.NewReplacer("/", "-", " ", "-").Replace(strings.ToLower(v))
	}
	for _, l := range s.mail.labels {
		if (norm(l.Name) == norm(name) || strings.EqualFold(l.ID, name)) && contains(m.labels, l.ID) {
			return true
		}
	}
	return false
}

func hasAttachment(p partJSON) bool {
	if p.Filename != "" {
		return true
	}
	for _, c := range p.Parts {
		if hasAttachment(c) {
			return true
		}
	}
	return false
}

// bodyText is the decoded text of every inline text part.
func bodyText(p partJSON) string {
	var b strings.Builder
	if (p.MimeType == "text/plain" || p.MimeType == "text/html") && p.Filename == "" {
		data, _ := base64.URLEncoding.DecodeString(p.Body.Data)
		text := string(data)
		if !utf8.Valid(data) { // the seed's ISO-8859-1 part
			runes := make([]rune, len(data))
			for i, c := range data {
				runes[i] = rune(c)
			}
			text = string(runes)
		}
		if p.MimeType == "text/html" {
			text = stripTags(text)
		}
		b.WriteString(text)
	}
	for _, c := range p.Parts {
		b.WriteString(" ")
		b.WriteString(bodyText(c))
	}
	return b.String()
}
