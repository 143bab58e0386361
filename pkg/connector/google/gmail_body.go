package google

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"mime"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html/charset"
)

// body is what gmail_read shows of a message's MIME tree.
type body struct {
	text        string
	note        string // said instead of text when there is none to show
	attachments []string
}

// messageBody picks the readable text of a message: in each
// multipart/alternative the text/plain version (else the HTML one, turned
// into text), and every inline text part of other multiparts in order.
// Parts with a filename or an attachment disposition are listed, not read.
func messageBody(p messagePart) body {
	var leaves []messagePart
	var b body
	selectLeaves(p, &leaves, &b.attachments)
	var texts []string
	for _, leaf := range leaves {
		if leaf.Body.Data == "" && leaf.Body.AttachmentID != "" {
			b.note = "(the body is too large for Gmail to include in the message; open it in Gmail)"
			continue
		}
		text, ok := partText(leaf)
		if !ok {
			b.note = "(the body could not be decoded)"
			continue
		}
		if text = strings.TrimSpace(text); text != "" {
			texts = append(texts, text)
		}
	}
	b.text = strings.Join(texts, "\n\n")
	return b
}

func selectLeaves(p messagePart, leaves *[]messagePart, atts *[]string) {
	mt := strings.ToLower(p.MimeType)
	switch {
	case isAttachment(p):
		*atts = append(*atts, attachmentLine(p))
	case mt == "multipart/alternative":
		if best, ok := pickAlternative(p.Parts); ok {
			selectLeaves(best, leaves, atts)
		}
	case strings.HasPrefix(mt, "multipart/"):
		for _, child := range p.Parts {
			selectLeaves(child, leaves, atts)
		}
	case mt == "text/plain" || mt == "text/html":
		*leaves = append(*leaves, p)
	}
}

// pickAlternative prefers text/plain, then HTML, then a nested multipart
// (such as multipart/related around the HTML).
func pickAlternative(parts []messagePart) (messagePart, bool) {
	for _, want := range []string{"text/plain", "text/html", "multipart/"} {
		for _, child := range parts {
			if strings.HasPrefix(strings.ToLower(child.MimeType), want) && !isAttachment(child) {
				return child, true
			}
		}
	}
	return messagePart{}, false
}

func isAttachment(p messagePart) bool {
	if p.Filename != "" {
		return true
	}
	disp, _, _ := mime.ParseMediaType(p.header("Content-Disposition"))
	return disp == "attachment"
}

func attachmentLine(p messagePart) string {
	name := p.Filename
	if name == "" {
		name = "(unnamed)"
	}
	size := byteSize(strconv.FormatInt(p.Body.Size, 10))
	return fmt.Sprintf("%s (%s, %s)", decodeHeader(name), p.MimeType, size)
}

// partText decodes a leaf's base64url data and converts it to UTF-8 text.
func partText(p messagePart) (string, bool) {
	data, ok := decodeBase64URL(p.Body.Data)
	if !ok {
		return "", false
	}
	_, params, _ := mime.ParseMediaType(p.header("Content-Type"))
	text := toUTF8(data, params["charset"])
	text = strings.ReplaceAll(text, "\r\n", "\n")
	if strings.EqualFold(p.MimeType, "text/html") {
		text = htmlToText(text)
	}
	return text, true
}

// decodeBase64URL accepts Gmail's base64url with or without padding.
func decodeBase64URL(s string) ([]byte, bool) {
	s = strings.TrimRight(strings.TrimSpace(s), "=")
	if b, err := base64.RawURLEncoding.DecodeString(s); err == nil {
		return b, true
	}
	b, err := base64.RawStdEncoding.DecodeString(s)
	return b, err == nil
}

// toUTF8 converts data from its declared charset. Data that is already
// valid UTF-8 is kept as is, so that a part Google already converted is not
// converted twice.
func toUTF8(data []byte, label string) string {
	if utf8.Valid(data) {
		return string(data)
	}
	if label != "" {
		if r, err := charset.NewReaderLabel(label, bytes.NewReader(data)); err == nil {
			if out, err := io.ReadAll(r); err == nil {
				return string(out)
			}
		}
	}
	return strings.ToValidUTF8(string(data), "\uFFFD")
}

var wordDecoder = &mime.WordDecoder{CharsetReader: charset.NewReaderLabel}

// decodeHeader turns RFC 2047 encoded-words ("=?UTF-8?Q?Caf=C3=A9?=") into
// text; Gmail hands header values over as they are in the message.
func decodeHeader(v string) string {
	if !strings.Contains(v, "=?") {
		return v
	}
	if d, err := wordDecoder.DecodeHeader(v); err == nil {
		return d
	}
	return v
}

// headerText is a header value as one line of text: decoded, with any line
// break an encoded-word smuggled in flattened, and bounded.
func headerText(v string) string { return oneLine(decodeHeader(v), 2000) }
