package google

import (
	"encoding/base64"
	"testing"
)

var base64URL = base64.URLEncoding

func TestHTMLToText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, html, want string
	}{
		{"paragraphs become blank-line separated", "<p>One</p><p>Two</p>", "One\n\nTwo"},
		{"whitespace collapses like a browser", "<div>  a \n\t b  </div><div>c</div>", "a b\nc"},
		{"br breaks a line", "a<br>b<br/>c", "a\nb\nc"},
		{"entities are decoded", "<p>Fish &amp; chips &lt;3 &quot;ok&quot; caf&eacute;&nbsp;au&#160;lait</p>", "Fish & chips <3 \"ok\" café au lait"},
		{"script, style, head and title are dropped", "<HTML><HEAD><TITLE>t</TITLE><STYLE>b{}</STYLE></HEAD><BODY><SCRIPT>x()</SCRIPT>Body</BODY></HTML>", "Body"},
		{"lists get dashes", "<ul><li>a</li><li>b <b>bold</b></li></ul>", "- a\n- b bold"},
		{"tables get bars", "<table><tr><td>a</td><td>b</td></tr><tr><td>c</td><td>d</td></tr></table>", "a | b\nc | d"},
		{"links keep their target", `<a href="https://example.com/x">click here</a>`, "click here (https://example.com/x)"},
		{"a link that shows its target is not repeated", `<a href="https://example.com/">https://example.com/</a>`, "https://example.com/"},
		{"mailto links that show the address are not repeated", `<a href="mailto:a@example.com">a@example.com</a>`, "a@example.com"},
		{"javascript links are dropped", `<a href="javascript:alert(1)">x</a>`, "x"},
		{"images show their alt text", `<img src="x.png" alt="Company logo"> Hi`, "[Company logo] Hi"},
		{"pre keeps its layout", "<pre>  a\n    b</pre><p>c</p>", "a\n    b\n\nc"},
		{"comments vanish", "a<!-- hidden -->b", "ab"},
		{"broken HTML still yields text", "<p>unclosed <b>bold <i>text", "unclosed bold text"},
		{"headings stand apart", "<h1>Title</h1>text", "Title\n\ntext"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := htmlToText(tt.html); got != tt.want {
				t.Errorf("htmlToText(%q) =\n%q\nwant\n%q", tt.html, got, tt.want)
			}
		})
	}
}

func TestDecodeHeader(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"plain":                                 "plain",
		"=?UTF-8?Q?Caf=C3=A9?=":                 "Café",
		"=?ISO-8859-1?Q?Gr=FC=DFe?= aus Berlin": "Grüße aus Berlin",
		"=?windows-1252?Q?=80uro?=":             "€uro",
		"=?UTF-8?B?5pel5pys?= =?UTF-8?B?6Kqe?=": "日本語",
		"=?bogus?Q?x?=":                         "=?bogus?Q?x?=",
	}
	for in, want := range tests {
		if got := decodeHeader(in); got != want {
			t.Errorf("decodeHeader(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDriveQuery(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"", "trashed = false"},
		{"budget", "fullText contains 'budget' and trashed = false"},
		{"Bob's notes", `fullText contains 'Bob\'s notes' and trashed = false`},
		{`C:\path`, `fullText contains 'C:\\path' and trashed = false`},
		{`it's a \'trick\'`, `fullText contains 'it\'s a \\\'trick\\\'' and trashed = false`},
		{"name of the project", "fullText contains 'name of the project' and trashed = false"},
		{"name contains 'plan'", "name contains 'plan'"},
		{"mimeType = 'application/vnd.google-apps.folder'", "mimeType = 'application/vnd.google-apps.folder'"},
		{"'abc' in parents", "'abc' in parents"},
		{"modifiedTime > '2024-01-01T00:00:00'", "modifiedTime > '2024-01-01T00:00:00'"},
		{"trashed = true", "trashed = true"},
	}
	for _, tt := range tests {
		if got := driveQuery(tt.in); got != tt.want {
			t.Errorf("driveQuery(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestMessageBodyEdgeCases(t *testing.T) {
	t.Parallel()
	b64 := func(s string) string { return encodeB64URL([]byte(s)) }
	tests := []struct {
		name string
		part messagePart
		want body
	}{
		{"a part without data names the problem", messagePart{MimeType: "text/plain", Body: partBody{AttachmentID: "A1", Size: 9e6}},
			body{note: "(the body is too large for Gmail to include in the message; open it in Gmail)"}},
		{"an attachment disposition without a filename is listed", messagePart{MimeType: "multipart/mixed", Parts: []messagePart{
			{MimeType: "text/plain", Body: partBody{Data: b64("hello")}},
			{MimeType: "text/plain", Headers: []messageHeader{{"Content-Disposition", "attachment"}}, Body: partBody{Size: 3}},
		}}, body{text: "hello", attachments: []string{"(unnamed) (text/plain, 3 bytes)"}}},
		{"inline text parts of a mixed message are joined", messagePart{MimeType: "multipart/mixed", Parts: []messagePart{
			{MimeType: "text/plain", Body: partBody{Data: b64("first")}},
			{MimeType: "text/html", Body: partBody{Data: b64("<p>second</p>")}},
		}}, body{text: "first\n\nsecond"}},
		{"unpadded base64url decodes", messagePart{MimeType: "text/plain", Body: partBody{Data: "aGk_Pz8"}}, body{text: "hi???"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := messageBody(tt.part)
			if got.text != tt.want.text || got.note != tt.want.note || len(got.attachments) != len(tt.want.attachments) {
				t.Fatalf("messageBody = %+v, want %+v", got, tt.want)
			}
			for i := range got.attachments {
				if got.attachments[i] != tt.want.attachments[i] {
					t.Errorf("attachment %d = %q, want %q", i, got.attachments[i], tt.want.attachments[i])
				}
			}
		})
	}
}

func encodeB64URL(b []byte) string { return base64URL.EncodeToString(b) }
