package apikey

import (
	"io"
	"strings"
)

// redactedKey replaces every key Redact finds.
const redactedKey = Prefix + "[redacted]"

// Redact replaces anything in s that looks like an mgw_ key with
// "mgw_[redacted]", for scrubbing error output and logs.
//
// It errs towards hiding too much: "mgw_" in any letter case followed by at
// least one key character ([A-Za-z0-9_]) is hidden together with every key
// character after it, whatever the length or checksum, so a truncated,
// mistyped or upper-cased key is hidden too. "mgw_" followed by anything
// else, and the "mgw_[redacted]" this writes, are left alone.
func Redact(s string) string {
	if !containsPrefixFold(s) {
		return s
	}
	var b strings.Builder
	var r redactor
	r.write(&b, []byte(s))
	r.flush(&b)
	return b.String()
}

func containsPrefixFold(s string) bool {
	for i := 0; i+len(Prefix) <= len(s); i++ {
		if strings.EqualFold(s[i:i+len(Prefix)], Prefix) {
			return true
		}
	}
	return false
}

// RedactingWriter is an io.Writer that passes what it is given to another
// writer with every mgw_ key replaced as Redact does, including keys split
// across Write calls. It holds back at most the four bytes of a possible
// "mgw_" until the next byte shows whether a key follows; Flush writes them
// out. It is not safe for concurrent use, like most writers it would wrap.
type RedactingWriter struct {
	w   io.Writer
	r   redactor
	out []byte
}

// NewRedactingWriter returns a writer that scrubs mgw_ keys on their way to w.
func NewRedactingWriter(w io.Writer) *RedactingWriter { return &RedactingWriter{w: w} }

// Write redacts p and writes the result to the underlying writer. It reports
// len(p) on success, since all of p was consumed even if less was written.
func (rw *RedactingWriter) Write(p []byte) (int, error) {
	rw.out = rw.out[:0]
	rw.r.write((*byteSink)(&rw.out), p)
	if len(rw.out) > 0 {
		if _, err := rw.w.Write(rw.out); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

// Flush writes out any bytes held back as a possible key prefix. Call it
// when the stream ends.
func (rw *RedactingWriter) Flush() error {
	rw.out = rw.out[:0]
	rw.r.flush((*byteSink)(&rw.out))
	if len(rw.out) == 0 {
		return nil
	}
	_, err := rw.w.Write(rw.out)
	return err
}

var _ io.Writer = (*RedactingWriter)(nil)

type sink interface {
	WriteByte(c byte) error
	WriteString(s string) (int, error)
}

type byteSink []byte

func (s *byteSink) WriteByte(c byte) error { *s = append(*s, c); return nil }
func (s *byteSink) WriteString(str string) (int, error) {
	*s = append(*s, str...)
	return len(str), nil
}

// redactor is a byte-at-a-time state machine, so a key split across writes
// is caught the same as a whole one.
type redactor struct {
	held  []byte // a prefix of "mgw_" (any case) not yet known to start a key
	inKey bool   // "mgw_[redacted]" was written; drop key characters
}

func (r *redactor) write(out sink, p []byte) {
	for _, c := range p {
		if r.inKey {
			if isKeyChar(c) {
				continue
			}
			r.inKey = false
		}
		if len(r.held) == len(Prefix) {
			if isKeyChar(c) {
				_, _ = out.WriteString(redactedKey)
				r.held, r.inKey = r.held[:0], true
				continue
			}
			r.flush(out)
		}
		if lower(c) == Prefix[len(r.held)] {
			r.held = append(r.held, c)
			continue
		}
		// "mgw_" does not overlap itself except at its first byte, so after
		// a mismatch only c itself can start a new match.
		r.flush(out)
		if lower(c) == Prefix[0] {
			r.held = append(r.held, c)
			continue
		}
		_ = out.WriteByte(c)
	}
}

func (r *redactor) flush(out sink) {
	_, _ = out.WriteString(string(r.held))
	r.held = r.held[:0]
}

func isKeyChar(c byte) bool { return isBase62(c) || c == '_' }

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + ('a' - 'A')
	}
	return c
}
