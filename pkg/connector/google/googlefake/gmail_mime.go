package googlefake

import (
	"bytes"
	"encoding/base64"
	"errors"
	"html"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// The Gmail wire types, written from the API reference (Message,
// MessagePart, MessagePartBody, MessagePartHeader).

type headerJSON struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

type bodyJSON struct {
	AttachmentID string `json:"attachmentId,omitempty"`
	Size         int    `json:"size"`
	Data         string `json:"data,omitempty"`
}

type partJSON struct {
	PartID   string       `json:"partId"`
	MimeType string       `json:"mimeType"`
	Filename string       `json:"filename"`
	Headers  []headerJSON `json:"headers"`
	Body     bodyJSON     `json:"body"`
	Parts    []partJSON   `json:"parts,omitempty"`
}

// parseMessage turns an RFC 5322 message into Gmail's payload tree, as
// Gmail does: header values as they are in the message (encoded-words
// included, unfolded), leaf bodies with their transfer encoding removed
// and then base64url-encoded, attachments by attachmentId only.
func parseMessage(raw []byte, msgID string) (partJSON, string, error) {
	head, body, ok := bytes.Cut(raw, []byte("\r\n\r\n"))
	if !ok {
		head, body, ok = bytes.Cut(raw, []byte("\n\n"))
	}
	if !ok {
		return partJSON{}, "", errors.New("no blank line after the headers")
	}
	headers, err := parseHeaders(string(head))
	if err != nil {
		return partJSON{}, "", err
	}
	p, err := parsePart(headers, body, "", msgID)
	if err != nil {
		return partJSON{}, "", err
	}
	return p, snippet(p), nil
}

// parseHeaders reads a header section keeping order, unfolding lines.
func parseHeaders(s string) ([]headerJSON, error) {
	var hs []headerJSON
	for _, l := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n") {
		if l == "" {
			continue
		}
		if l[0] == ' ' || l[0] == '\t' {
			if len(hs) == 0 {
				return nil, errors.New("continuation line before the first header")
			}
			hs[len(hs)-1].Value += l
			continue
		}
		name, value, ok := strings.Cut(l, ":")
		if !ok || name == "" || strings.ContainsAny(name, " \t") {
			return nil, errors.New("malformed header line")
		}
		hs = append(hs, headerJSON{Name: name, Value: strings.TrimLeft(value, " \t")})
	}
	return hs, nil
}

func headerValue(hs []headerJSON, name string) string {
	for _, h := range hs {
		if strings.EqualFold(h.Name, name) {
			return h.Value
		}
	}
	return ""
}

func parsePart(hs []headerJSON, body []byte, partID, msgID string) (partJSON, error) {
	ct := headerValue(hs, "Content-Type")
	if ct == "" {
		ct = "text/plain; charset=us-ascii"
	}
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil {
		mt, params = "text/plain", map[string]string{}
	}
	p := partJSON{PartID: partID, MimeType: mt, Headers: hs}
	if strings.HasPrefix(mt, "multipart/") {
		mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
		for i := 0; ; i++ {
			child, err := mr.NextRawPart()
			if err == io.EOF {
				break
			}
			if err != nil {
				return p, errors.New("malformed multipart body")
			}
			data, err := io.ReadAll(child)
			if err != nil {
				return p, errors.New("malformed multipart body")
			}
			id := strconv.Itoa(i)
			if partID != "" {
				id = partID + "." + id
			}
			cp, err := parsePart(sortedHeaders(child.Header), data, id, msgID)
			if err != nil {
				return p, err
			}
			p.Parts = append(p.Parts, cp)
		}
		return p, nil
	}
	data, err := decodeTransfer(headerValue(hs, "Content-Transfer-Encoding"), body)
	if err != nil {
		return p, err
	}
	_, dparams, _ := mime.ParseMediaType(headerValue(hs, "Content-Disposition"))
	p.Filename = dparams["filename"]
	if p.Filename == "" {
		p.Filename = params["name"]
	}
	p.Body.Size = len(data)
	if p.Filename != "" {
		p.Body.AttachmentID = "ANGjdJ-" + msgID + "-" + partID
	} else {
		p.Body.Data = base64.URLEncoding.EncodeToString(data)
	}
	return p, nil
}

func sortedHeaders(h map[string][]string) []headerJSON {
	var names []string
	for k := range h {
		names = append(names, k)
	}
	sort.Strings(names)
	var hs []headerJSON
	for _, k := range names {
		for _, v := range h[k] {
			hs = append(hs, headerJSON{Name: k, Value: v})
		}
	}
	return hs
}

func decodeTransfer(cte string, body []byte) ([]byte, error) {
	switch strings.ToLower(strings.TrimSpace(cte)) {
	case "base64":
		clean := strings.Map(func(r rune) rune {
			if r == '\r' || r == '\n' || r == ' ' || r == '\t' {
				return -1
			}
			return r
		}, string(body))
		return base64.StdEncoding.DecodeString(clean)
	case "quoted-printable":
		return io.ReadAll(quotedprintable.NewReader(bytes.NewReader(body)))
	}
	return body, nil
}

// snippet is Gmail's short preview: the start of the message's text,
// whitespace collapsed, HTML-escaped (Gmail sends "&#39;" for "'").
func snippet(p partJSON) string {
	text := strings.Join(strings.Fields(bodyText(firstText(p))), " ")
	if r := []rune(text); len(r) > 120 {
		text = string(r[:120])
	}
	return html.EscapeString(text)
}

// firstText finds the first inline text part, depth first.
func firstText(p partJSON) partJSON {
	if (p.MimeType == "text/plain" || p.MimeType == "text/html") && p.Filename == "" {
		return p
	}
	for _, c := range p.Parts {
		if t := firstText(c); t.MimeType != "" {
			return t
		}
	}
	return partJSON{}
}

var invisible = regexp.MustCompile(`(?is)<(head|style|script)\b.*?</(head|style|script)>`)

func stripTags(s string) string {
	s = invisible.ReplaceAllString(s, " ")
	var b strings.Builder
	in := false
	for _, r := range s {
		switch {
		case r == '<':
			in = true
		case r == '>':
			in = false
			b.WriteRune(' ')
		case !in:
			b.WriteRune(r)
		}
	}
	return html.UnescapeString(b.String())
}
