package secret

import "bytes"

// plainByte reports whether c is printable ASCII that encoding/json writes
// as itself inside a string: not '"' or '\\', nor '<', '>' and '&', which
// it writes as \u003c, \u003e and \u0026.
func plainByte(c rune) bool {
	return c >= 0x20 && c <= 0x7e && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
}

// plainForm reports whether every byte of f is a plainByte, so that f
// inside a decoded string is f, byte for byte, in the encoded text unless
// an escape in the text stands for one of f's characters.
func plainForm(f string) bool {
	for i := 0; i < len(f); i++ {
		if !plainByte(rune(f[i])) {
			return false
		}
	}
	return true
}

// NoneInJSON reports whether no string of doc, a JSON document, can hold
// any of r's secrets once decoded: each secret's every form is printable
// ASCII (see plainByte), none occurs in doc's text, and no escape in doc
// stands for a character such a form may contain ("\/", or "\u" with the
// code of a plainByte). It answers false whenever it cannot be sure, and the caller must
// then redact string by string; true lets a clean document (the common
// case) skip decoding. A nil *Redactor knows no secrets.
func (r *Redactor) NoneInJSON(doc []byte) bool {
	if r == nil || len(r.forms) == 0 {
		return true
	}
	if r.plainForms == nil {
		return false
	}
	for i := 0; ; {
		j := bytes.IndexByte(doc[i:], '\\')
		if j < 0 {
			break
		}
		i += j + 1
		if i >= len(doc) {
			return false
		}
		switch doc[i] {
		case '/':
			return false
		case 'u':
			if i+4 >= len(doc) {
				return false
			}
			c, ok := hex4(doc[i+1 : i+5])
			if !ok || plainByte(c) {
				return false
			}
			i += 5
		default:
			i++
		}
	}
	for _, f := range r.plainForms {
		if bytes.Contains(doc, f) {
			return false
		}
	}
	return true
}

func hex4(b []byte) (rune, bool) {
	var v rune
	for _, c := range b {
		switch {
		case c >= '0' && c <= '9':
			v = v<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			v = v<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			v = v<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return v, true
}
