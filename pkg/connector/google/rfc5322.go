package google

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/net/idna"
)

// Limits on what a model may compose; Gmail's own are higher, but a mail
// beyond these is almost certainly a mistake.
const (
	maxRecipients  = 100
	maxSubjectLen  = 500 // characters
	maxBodyBytes   = 1 << 20
	maxHeaderWidth = 76 // RFC 2047 for lines with encoded-words, within RFC 5322's 78
)

// composed is a plain-text mail before it is encoded.
type composed struct {
	to, cc, bcc []*mail.Address
	subject     string
	body        string
}

// newComposed checks the arguments of gmail_create_draft and gmail_send.
// Every field that becomes a header is refused if it holds CR or LF, so a
// model cannot add headers (Bcc, From) of its own.
func newComposed(to, cc, bcc []string, subject, body string, needTo bool) (composed, error) {
	var m composed
	var err error
	if m.to, err = recipients("to", to, needTo); err != nil {
		return m, err
	}
	if m.cc, err = recipients("cc", cc, false); err != nil {
		return m, err
	}
	if m.bcc, err = recipients("bcc", bcc, false); err != nil {
		return m, err
	}
	if n := len(m.to) + len(m.cc) + len(m.bcc); n > maxRecipients {
		return m, fmt.Errorf("too many recipients (%d); at most %d", n, maxRecipients)
	}
	if err := noLineBreaks("subject", subject); err != nil {
		return m, err
	}
	if n := utf8.RuneCountInString(subject); n > maxSubjectLen {
		return m, fmt.Errorf("subject is too long (%d characters; at most %d)", n, maxSubjectLen)
	}
	if !utf8.ValidString(subject) || !utf8.ValidString(body) {
		return m, errors.New("subject and body must be valid UTF-8 text")
	}
	if len(body) > maxBodyBytes {
		return m, fmt.Errorf("body is too long (%d bytes; at most %d)", len(body), maxBodyBytes)
	}
	m.subject, m.body = strings.TrimSpace(subject), body
	return m, nil
}

// recipients parses a list of addresses, one each, such as
// ["ada@example.com", "Bob <bob@example.org>"]; display names are dropped.
func recipients(name string, list []string, required bool) ([]*mail.Address, error) {
	if len(list) == 0 {
		if required {
			return nil, fmt.Errorf("%s is required: one or more addresses, e.g. [\"ada@example.com\"]", name)
		}
		return nil, nil
	}
	addrs := make([]*mail.Address, 0, len(list))
	for i, v := range list {
		if err := noLineBreaks(name, v); err != nil {
			return nil, err
		}
		a, err := mail.ParseAddress(v)
		if err != nil {
			return nil, fmt.Errorf("%s[%d] %q is not one email address (%s); give one address per element, e.g. [\"ada@example.com\", \"bob@example.org\"]", name, i, v, strings.TrimPrefix(err.Error(), "mail: "))
		}
		addrs = append(addrs, &mail.Address{Address: a.Address})
	}
	for _, a := range addrs {
		local, domain, _ := strings.Cut(a.Address, "@")
		for _, r := range local {
			if r > '~' {
				return nil, fmt.Errorf("%s: the address %q has non-ASCII characters before the @, which Gmail cannot send to", name, a.Address)
			}
		}
		ascii, err := idna.Lookup.ToASCII(domain)
		if err != nil {
			return nil, fmt.Errorf("%s: the address %q has an invalid domain", name, a.Address)
		}
		a.Address = local + "@" + ascii
	}
	return addrs, nil
}

// encode renders m as an RFC 5322 message: CRLF line endings, headers
// folded at spaces, non-ASCII in the subject and display names as
// RFC 2047 encoded-words, and the body as quoted-printable UTF-8. From,
// Message-ID and the rest are added by Gmail for the connected account.
func (m composed) encode(now time.Time) []byte {
	var b bytes.Buffer
	writeHeader(&b, "Date", now.Format(time.RFC1123Z))
	if len(m.to) > 0 { // a draft may have no recipient yet
		writeHeader(&b, "To", addressList(m.to))
	}
	if len(m.cc) > 0 {
		writeHeader(&b, "Cc", addressList(m.cc))
	}
	if len(m.bcc) > 0 { // Gmail delivers to them and removes the header
		writeHeader(&b, "Bcc", addressList(m.bcc))
	}
	writeHeader(&b, "Subject", encodeText(m.subject))
	writeHeader(&b, "MIME-Version", "1.0")
	writeHeader(&b, "Content-Type", "text/plain; charset=UTF-8")
	writeHeader(&b, "Content-Transfer-Encoding", "quoted-printable")
	b.WriteString("\r\n")
	qp := quotedprintable.NewWriter(&b) // turns every line break into CRLF
	body := strings.ReplaceAll(m.body, "\r\n", "\n")
	_, _ = qp.Write([]byte(body))
	_ = qp.Close()
	if !bytes.HasSuffix(b.Bytes(), []byte("\r\n")) {
		b.WriteString("\r\n")
	}
	return b.Bytes()
}

// addressList formats addresses as name-addr or angle-addr; display
// names that need it are encoded-words, others are quoted when needed.
func addressList(as []*mail.Address) string {
	parts := make([]string, len(as))
	for i, a := range as {
		angle := (&mail.Address{Address: a.Address}).String()
		switch {
		case a.Name == "":
			parts[i] = angle
		case needsEncoding(a.Name):
			parts[i] = encodeText(a.Name) + " " + angle
		default:
			parts[i] = (&mail.Address{Name: a.Name, Address: a.Address}).String()
		}
	}
	return strings.Join(parts, ", ")
}

// maxWordLen bounds each encoded-word, so that with a header name before
// it a line stays within RFC 2047's 76 columns.
const maxWordLen = 60

// needsEncoding reports whether s cannot stand in a header as it is:
// non-ASCII or control characters, or text that would itself be read as
// an encoded-word.
func needsEncoding(s string) bool {
	for i := 0; i < len(s); i++ {
		if (s[i] < ' ' && s[i] != '\t') || s[i] > '~' {
			return true
		}
	}
	return strings.Contains(s, "=?")
}

// encodeText renders s as RFC 2047 encoded-words when it needs encoding.
// Words are split on rune boundaries so each decodes on its own. Mostly
// Latin text is Q-encoded, which stays readable; text that is mostly
// non-ASCII (such as CJK) is B-encoded, which Q would triple in size.
func encodeText(s string) string {
	if !needsEncoding(s) {
		return s
	}
	nonASCII := 0
	for i := 0; i < len(s); i++ {
		if s[i] > '~' {
			nonASCII++
		}
	}
	b := nonASCII*3 > len(s)
	var words []string
	var chunk []byte
	for _, r := range s {
		rb := []byte(string(r))
		if len(chunk) > 0 && len(encodeWord(append(chunk, rb...), b)) > maxWordLen {
			words = append(words, encodeWord(chunk, b))
			chunk = nil
		}
		chunk = append(chunk, rb...)
	}
	return strings.Join(append(words, encodeWord(chunk, b)), " ")
}

func encodeWord(p []byte, b bool) string {
	if b {
		return "=?UTF-8?B?" + base64.StdEncoding.EncodeToString(p) + "?="
	}
	var w strings.Builder
	w.WriteString("=?UTF-8?Q?")
	for _, c := range p {
		switch {
		case c == ' ':
			w.WriteByte('_')
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("!*+-/", c) >= 0:
			w.WriteByte(c) // safe in both text and phrase positions (RFC 2047 5)
		default:
			fmt.Fprintf(&w, "=%02X", c)
		}
	}
	w.WriteString("?=")
	return w.String()
}

// writeHeader writes "Name: value" folded at spaces so that lines stay
// within 76 columns where the value allows; unfolding restores the value.
func writeHeader(b *bytes.Buffer, name, value string) {
	line := name + ":"
	for _, word := range strings.Split(value, " ") {
		if len(line)+1+len(word) > maxHeaderWidth && strings.TrimSpace(line) != name+":" {
			b.WriteString(line)
			b.WriteString("\r\n")
			line = ""
		}
		line += " " + word
	}
	b.WriteString(line)
	b.WriteString("\r\n")
}
