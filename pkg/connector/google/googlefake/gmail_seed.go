package googlefake

import (
	"encoding/base64"
	"strings"
	"time"
)

// Ids of the seeded messages, newest first.
const (
	// MsgAlternative is multipart/alternative (text/plain and text/html)
	// from Grace Hopper, subject "Compiler meeting notes"; INBOX, UNREAD.
	MsgAlternative = "18f1a0000000000a"
	// MsgHTMLOnly is a text/html-only quoted-printable newsletter with a
	// style, a script, a link, a list, a table and entities.
	MsgHTMLOnly = "18f1a0000000000b"
	// MsgNonASCII has the subject "Résumé for José — 日本" and the sender
	// "José Müller" as encoded-words, an ISO-8859-1 quoted-printable body
	// and a PDF attachment cv.pdf; label Recruiting (Label_1).
	MsgNonASCII = "18f1a0000000000c"
	// MsgSent is a plain message Ada sent to Charles Babbage; SENT.
	MsgSent = "18f1a0000000000d"
)

func crlf(s string) []byte { return []byte(strings.ReplaceAll(s, "\n", "\r\n")) }

func (s *Server) seedMail() {
	sys := func(id string) labelJSON {
		return labelJSON{ID: id, Name: id, MessageListVisibility: "hide", LabelListVisibility: "labelHide", Type: "system"}
	}
	s.mail.labels = []labelJSON{
		sys("CHAT"), sys("SENT"), {ID: "INBOX", Name: "INBOX", Type: "system"}, sys("IMPORTANT"), sys("TRASH"),
		sys("DRAFT"), sys("SPAM"), sys("CATEGORY_FORUMS"), sys("CATEGORY_UPDATES"), sys("CATEGORY_PERSONAL"),
		sys("CATEGORY_PROMOTIONS"), sys("CATEGORY_SOCIAL"), sys("STARRED"), sys("UNREAD"),
		{ID: "Label_1", Name: "Recruiting", MessageListVisibility: "show", LabelListVisibility: "labelShow", Type: "user"},
		{ID: "Label_2", Name: "Receipts/2024", MessageListVisibility: "show", LabelListVisibility: "labelShow", Type: "user"},
	}
	pdf := base64.StdEncoding.EncodeToString([]byte("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj <</Type/Catalog>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n"))
	seed := []struct {
		id     string
		at     string
		raw    string
		labels []string
	}{
		{MsgAlternative, "2024-05-03T10:00:00Z", `From: Grace Hopper <grace@example.com>
To: Ada Lovelace <ada@example.com>
Subject: Compiler meeting notes
Date: Fri, 03 May 2024 10:00:00 +0000
Message-ID: <alt-1@example.com>
MIME-Version: 1.0
Content-Type: multipart/alternative; boundary="alt-1"

--alt-1
Content-Type: text/plain; charset=UTF-8

Hi Ada,

The meeting moved to Thursday. Bring the loop diagrams.

Grace
--alt-1
Content-Type: text/html; charset=UTF-8

<div>Hi Ada,</div><div>The meeting moved to <b>Thursday</b>. HTML VERSION.</div>
--alt-1--
`, []string{"INBOX", "UNREAD", "IMPORTANT", "CATEGORY_PERSONAL"}},
		{MsgHTMLOnly, "2024-05-02T08:30:00Z", `From: "The Engine Weekly" <news@example.org>
To: ada@example.com
Subject: This week: punched cards & you
Date: Thu, 02 May 2024 08:30:00 +0000
MIME-Version: 1.0
Content-Type: text/html; charset=UTF-8
Content-Transfer-Encoding: quoted-printable

<html><head><title>Weekly issue</title><style>p { color: red; }</style></head><body>
<h1>Punched cards &amp; you</h1>
<p>Read <a href=3D"https://example.org/cards">the full story</a> about cards.<br>It's long.</p>
<ul><li>First item</li><li>Second&nbsp;item</li></ul>
<table><tr><th>Part</th><th>Price</th></tr><tr><td>Mill</td><td>=E2=82=AC100</td></tr></table>
<script>alert('do not show me')</script>
<p>Caf=C3=A9 d=C3=A9j=C3=A0 vu</p>
</body></html>
`, []string{"INBOX", "CATEGORY_UPDATES"}},
		{MsgNonASCII, "2024-04-30T07:00:00Z", `From: =?UTF-8?Q?Jos=C3=A9_M=C3=BCller?= <jose@example.de>
To: Ada Lovelace <ada@example.com>
Subject: =?UTF-8?Q?R=C3=A9sum=C3=A9_for_Jos=C3=A9_=E2=80=94_?= =?UTF-8?B?5pel5pys?=
Date: Tue, 30 Apr 2024 09:00:00 +0200
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="mixed-1"

--mixed-1
Content-Type: text/plain; charset=ISO-8859-1
Content-Transfer-Encoding: quoted-printable

Gr=FC=DFe aus M=FCnchen! Mein Lebenslauf ist angeh=E4ngt.
--mixed-1
Content-Type: application/pdf; name="cv.pdf"
Content-Disposition: attachment; filename="cv.pdf"
Content-Transfer-Encoding: base64

` + pdf + `
--mixed-1--
`, []string{"INBOX", "Label_1"}},
		{MsgSent, "2024-04-20T12:00:00Z", `From: Ada Lovelace <ada@example.com>
To: Charles Babbage <charles@example.com>
Subject: Re: Analytical Engine
Date: Sat, 20 Apr 2024 12:00:00 +0000
Content-Type: text/plain; charset=UTF-8

Charles, the notes on the engine are ready.
`, []string{"SENT"}},
	}
	for _, m := range seed {
		at, _ := time.Parse(time.RFC3339, m.at)
		msg, err := newMessage(m.id, crlf(m.raw), at, m.labels...)
		if err != nil {
			panic("googlefake: bad seed message " + m.id + ": " + err.Error())
		}
		s.mail.messages = append(s.mail.messages, msg)
	}
}
