package google_test

import (
	"bytes"
	"encoding/json"
	"io"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"testing"

	"github.com/mcpgate/mcpgate/pkg/connector/connectortest"
	"github.com/mcpgate/mcpgate/pkg/connector/google/googlefake"
)

// sendAndParse sends a message through gmail_send and parses what Gmail
// received with net/mail.
func sendAndParse(t *testing.T, args map[string]any) (*mail.Message, []byte) {
	t.Helper()
	fake, up := newFake(t)
	raw, _ := json.Marshal(args)
	if _, err := suite.Call(t, up, "gmail_send", string(raw)); err != nil {
		t.Fatalf("gmail_send: %v", err)
	}
	sent := fake.Sent()
	if len(sent) != 1 {
		t.Fatalf("Gmail received %d messages, want 1", len(sent))
	}
	msg, err := mail.ReadMessage(bytes.NewReader(sent[0]))
	if err != nil {
		t.Fatalf("the sent message does not parse: %v\n%s", err, sent[0])
	}
	return msg, sent[0]
}

func TestSendBuildsAnRFC5322Message(t *testing.T) {
	t.Parallel()
	subject := "Résumé — 日本語のテスト, with a tail long enough that the header must be folded over lines"
	body := "Grüße,\n\nline with = sign and trailing space \n" + strings.Repeat("long ", 30) + "\nÜmlauts end.\n"
	msg, raw := sendAndParse(t, map[string]any{
		"to":      []string{"José Müller <jose@example.de>", "bob@example.com"},
		"cc":      []string{`"Smith, Al" <al@example.com>`, "山田太郎 <taro@example.jp>"},
		"subject": subject,
		"body":    body,
	})

	t.Run("lines end in CRLF and stay short", func(t *testing.T) {
		if bytes.Contains(bytes.ReplaceAll(raw, []byte("\r\n"), nil), []byte("\n")) || bytes.Contains(bytes.ReplaceAll(raw, []byte("\r\n"), nil), []byte("\r")) {
			t.Errorf("bare LF or CR in:\n%q", raw)
		}
		for _, l := range strings.Split(string(raw), "\r\n") {
			if len(l) > 78 {
				t.Errorf("line of %d characters: %q", len(l), l)
			}
			for _, r := range l {
				if r > '~' {
					t.Errorf("non-ASCII byte on the wire: %q", l)
					break
				}
			}
		}
	})
	t.Run("MIME headers", func(t *testing.T) {
		for k, want := range map[string]string{
			"MIME-Version": "1.0", "Content-Type": "text/plain; charset=UTF-8", "Content-Transfer-Encoding": "quoted-printable",
		} {
			if got := msg.Header.Get(k); got != want {
				t.Errorf("%s = %q, want %q", k, got, want)
			}
		}
		if _, err := msg.Header.Date(); err != nil {
			t.Errorf("Date: %v", err)
		}
		for _, k := range []string{"From", "Bcc"} {
			if v := msg.Header.Get(k); v != "" {
				t.Errorf("%s = %q; Gmail sets From, and no Bcc was asked for", k, v)
			}
		}
	})
	t.Run("the subject round-trips through encoded-words", func(t *testing.T) {
		enc := msg.Header.Get("Subject")
		if !strings.HasPrefix(enc, "=?UTF-8?") {
			t.Errorf("Subject %q is not encoded", enc)
		}
		got, err := new(mime.WordDecoder).DecodeHeader(enc)
		if err != nil || got != subject {
			t.Errorf("decoded subject = %q, %v; want %q", got, err, subject)
		}
	})
	t.Run("recipients are the bare addresses the guard saw", func(t *testing.T) {
		to, err := msg.Header.AddressList("To")
		if err != nil || len(to) != 2 || to[0].Name != "" || to[0].Address != "jose@example.de" || to[1].Address != "bob@example.com" {
			t.Errorf("To = %v, %v", to, err)
		}
		cc, err := msg.Header.AddressList("Cc")
		if err != nil || len(cc) != 2 || cc[0].Name != "" || cc[0].Address != "al@example.com" || cc[1].Address != "taro@example.jp" {
			t.Errorf("Cc = %v, %v", cc, err)
		}
	})
	t.Run("the body decodes to what was asked", func(t *testing.T) {
		got, err := io.ReadAll(quotedprintable.NewReader(msg.Body))
		if err != nil {
			t.Fatal(err)
		}
		if want := strings.ReplaceAll(body, "\n", "\r\n"); string(got) != want {
			t.Errorf("body = %q, want %q", got, want)
		}
	})
}

func TestSubjectEncoding(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, subject, wantPrefix string
	}{
		{"ASCII stays as it is", "Lunch on Friday?", "Lunch on Friday?"},
		{"mostly Latin is Q-encoded", "Café meeting", "=?UTF-8?Q?Caf=C3=A9_meeting?="},
		{"mostly CJK is B-encoded", "会議の議事録", "=?UTF-8?B?"},
		{"text that looks encoded is encoded", "=?UTF-8?Q?not_a_word?=", "=?UTF-8?Q?"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			msg, _ := sendAndParse(t, map[string]any{"to": []string{"a@example.com"}, "subject": tt.subject, "body": "b"})
			enc := msg.Header.Get("Subject")
			if !strings.HasPrefix(enc, tt.wantPrefix) {
				t.Errorf("Subject = %q, want prefix %q", enc, tt.wantPrefix)
			}
			if got, _ := new(mime.WordDecoder).DecodeHeader(enc); got != tt.subject {
				t.Errorf("decoded = %q, want %q", got, tt.subject)
			}
		})
	}
}

func TestIDNDomainsBecomePunycode(t *testing.T) {
	t.Parallel()
	msg, _ := sendAndParse(t, map[string]any{"to": []string{"Jörg <jorg@Bücher.example>"}, "subject": "s", "body": "b"})
	to, err := msg.Header.AddressList("To")
	if err != nil || len(to) != 1 || to[0].Address != "jorg@xn--bcher-kva.example" {
		t.Errorf("To = %v, %v", to, err)
	}
}

func TestDraftKeepsTheMessageAndSendsNothing(t *testing.T) {
	t.Parallel()
	fake, up := newFake(t)
	got, err := suite.Call(t, up, "gmail_create_draft", `{"subject":"Notes für später","body":"Erst prüfen."}`)
	if err != nil {
		t.Fatal(err)
	}
	connectortest.AssertContains(t, got, "Created draft r-", `with subject "Notes für später". It has not been sent.`)
	if n := len(fake.Sent()); n != 0 {
		t.Errorf("%d messages sent, want 0", n)
	}
	drafts := fake.Drafts()
	if len(drafts) != 1 {
		t.Fatalf("%d drafts, want 1", len(drafts))
	}
	msg, err := mail.ReadMessage(bytes.NewReader(drafts[0]))
	if err != nil {
		t.Fatal(err)
	}
	if s, _ := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject")); s != "Notes für später" {
		t.Errorf("draft subject = %q", s)
	}
	if _, has := msg.Header["To"]; has {
		t.Errorf("a draft without recipients has a To header: %q", msg.Header.Get("To"))
	}

	// The draft can be read back as Gmail stores it.
	id := strings.Fields(strings.SplitN(got, "(message ", 2)[1])[0]
	id = strings.TrimSuffix(id, ")")
	read, err := suite.Call(t, up, "gmail_read", `{"id":"`+id+`"}`)
	if err != nil {
		t.Fatal(err)
	}
	connectortest.AssertContains(t, read, "From: "+googlefake.DisplayName+" <"+googlefake.Email+">", "Subject: Notes für später", "Labels: DRAFT", "Erst prüfen.")
}

func TestSendRefusesHeaderInjection(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args map[string]any
		want string
	}{
		{"CRLF in the subject", map[string]any{"to": []string{"a@example.com"}, "subject": "Hi\r\nBcc: evil@example.com", "body": "b"}, "subject must not contain line breaks"},
		{"LF in the subject", map[string]any{"to": []string{"a@example.com"}, "subject": "Hi\nBcc: evil@example.com", "body": "b"}, "subject must not contain line breaks"},
		{"bare CR in the subject", map[string]any{"to": []string{"a@example.com"}, "subject": "Hi\rX-Evil: 1", "body": "b"}, "subject must not contain line breaks"},
		{"CRLF in to", map[string]any{"to": []string{"a@example.com\r\nBcc: evil@example.com"}, "subject": "s", "body": "b"}, "to must not contain line breaks"},
		{"LF in cc", map[string]any{"to": []string{"a@example.com"}, "cc": []string{"b@example.com\nBcc: evil@example.com"}, "subject": "s", "body": "b"}, "cc must not contain line breaks"},
		{"a NUL in the subject", map[string]any{"to": []string{"a@example.com"}, "subject": "a\x00b", "body": "b"}, "subject must not contain control characters"},
		{"a display name with a line break", map[string]any{"to": []string{"\"Evil\r\nBcc: x@example.com\" <a@example.com>"}, "subject": "s", "body": "b"}, "to must not contain line breaks"},
	}
	for _, tt := range tests {
		for _, tool := range []string{"gmail_send", "gmail_create_draft"} {
			t.Run(tool+"/"+tt.name, func(t *testing.T) {
				t.Parallel()
				fake, up := newFake(t)
				raw, _ := json.Marshal(tt.args)
				_, err := suite.Call(t, up, tool, string(raw))
				connectortest.AssertContains(t, connectortest.ErrText(err), tt.want)
				if n := fake.Requests(); n != 0 {
					t.Errorf("%d requests sent, want none", n)
				}
			})
		}
	}
}

func TestBodyLineBreaksAreKeptNotInjected(t *testing.T) {
	t.Parallel()
	// A body may hold anything, including text that looks like headers:
	// it stays in the body.
	msg, _ := sendAndParse(t, map[string]any{"to": []string{"a@example.com"}, "subject": "s", "body": "Bcc: evil@example.com\r\n\r\nhello"})
	if v := msg.Header.Get("Bcc"); v != "" {
		t.Errorf("Bcc header = %q", v)
	}
	got, _ := io.ReadAll(quotedprintable.NewReader(msg.Body))
	if string(got) != "Bcc: evil@example.com\r\n\r\nhello\r\n" { // a final line break is added
		t.Errorf("body = %q", got)
	}
}
