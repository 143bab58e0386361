package google_test

import (
	"testing"

	"github.com/mcpgate/mcpgate/pkg/connector/google/googlefake"
)

func TestToolsAnswerFromGoogle(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, tool, args string
		want, omit       []string
	}{
		{"gmail_search without q lists the newest mail", "gmail_search", `{}`,
			[]string{"4 messages:", "- " + googlefake.MsgAlternative + " · 2024-05-03T10:00:00Z · From: Grace Hopper <grace@example.com> · Subject: Compiler meeting notes [INBOX, UNREAD",
				"Read a message with gmail_read"}, nil},
		{"gmail_search passes Gmail syntax through", "gmail_search", `{"q":"from:grace is:unread"}`,
			[]string{"1 message for \"from:grace is:unread\":", googlefake.MsgAlternative}, []string{googlefake.MsgHTMLOnly}},
		{"gmail_search unescapes snippets", "gmail_search", `{"q":"punched"}`,
			[]string{"Punched cards & you", "It's long."}, []string{"&amp;", "&#39;"}},
		{"gmail_search decodes encoded-word headers", "gmail_search", `{"q":"label:recruiting"}`,
			[]string{"From: José Müller <jose@example.de> · Subject: Résumé for José — 日本", "Grüße aus München!"}, []string{"=?UTF-8?"}},
		{"gmail_search pages", "gmail_search", `{"max_results":1}`,
			[]string{"1 message (about 4 match):", "More results: call again with page_token=1."}, nil},
		{"gmail_search reads a later page", "gmail_search", `{"max_results":1,"page_token":"3"}`,
			[]string{googlefake.MsgSent}, []string{"More results"}},
		{"gmail_search with no match", "gmail_search", `{"q":"nothing-matches-this"}`,
			[]string{"0 messages for \"nothing-matches-this\":"}, []string{"gmail_read"}},
		{"gmail_read prefers text/plain in an alternative", "gmail_read", `{"id":"` + googlefake.MsgAlternative + `"}`,
			[]string{"Message " + googlefake.MsgAlternative, "From: Grace Hopper <grace@example.com>", "To: Ada Lovelace <ada@example.com>",
				"Date: Fri, 03 May 2024 10:00:00 +0000", "Subject: Compiler meeting notes", "Labels: INBOX, UNREAD",
				"Hi Ada,\n\nThe meeting moved to Thursday. Bring the loop diagrams.\n\nGrace"},
			[]string{"HTML VERSION", "<div>"}},
		{"gmail_read turns HTML-only mail into text", "gmail_read", `{"id":"` + googlefake.MsgHTMLOnly + `"}`,
			[]string{"Punched cards & you\n\nRead the full story (https://example.org/cards) about cards.\nIt's long.",
				"- First item\n- Second item", "Part | Price\nMill | €100", "Café déjà vu"},
			[]string{"<p>", "color: red", "do not show me", "Weekly issue", "=3D", "&amp;"}},
		{"gmail_read decodes non-ASCII headers and a Latin-1 body", "gmail_read", `{"id":"` + googlefake.MsgNonASCII + `"}`,
			[]string{"From: José Müller <jose@example.de>", "Subject: Résumé for José — 日本",
				"Attachments: cv.pdf (application/pdf, ", "Grüße aus München! Mein Lebenslauf ist angehängt."},
			[]string{"%PDF", "=?UTF-8?"}},
		{"gmail_list_labels splits system and user labels", "gmail_list_labels", `{}`,
			[]string{"16 labels.", "System labels: CHAT, SENT, INBOX,", "User labels: Recruiting (id Label_1), Receipts/2024 (id Label_2)"}, nil},
		{"drive_search without q lists recent files", "drive_search", `{}`,
			[]string{"7 files, most recently modified first:", "- Quarterly plan · Google Doc · id " + googlefake.DocPlan + " · modified 2024-05-09T09:00:00.000Z · https://docs.google.com/document/d/" + googlefake.DocPlan},
			[]string{"old draft"}},
		{"drive_search escapes plain words", "drive_search", `{"q":"Bob's notes"}`,
			[]string{`1 file for fullText contains 'Bob\'s notes' and trashed = false:`, "Bob's notes.txt · text/plain · id " + googlefake.TextNotes + " · 66 bytes"}, nil},
		{"drive_search searches contents", "drive_search", `{"q":"gateway"}`,
			[]string{"1 file for", "Quarterly plan"}, []string{"old draft"}},
		{"drive_search passes Drive syntax through", "drive_search", `{"q":"'` + googlefake.FolderProjects + `' in parents and mimeType != 'text/plain'"}`,
			[]string{"1 file for '" + googlefake.FolderProjects + "' in parents", "Quarterly plan"}, []string{"Bob's"}},
		{"drive_search pages", "drive_search", `{"page_size":2}`,
			[]string{"2 files", "More results: call again with page_token=2."}, nil},
		{"drive_get shows metadata", "drive_get", `{"file_id":"` + googlefake.DocPlan + `"}`,
			[]string{"Quarterly plan (Google Doc)", "ID: " + googlefake.DocPlan, "Owners: Ada Lovelace <ada@example.com>",
				"Folder ids: " + googlefake.FolderProjects, "Modified: 2024-05-09T09:00:00.000Z", "Description: Plans for Q3",
				"Starred: yes · Shared: no · In trash: no", "drive_read: yes, exported as text/plain"}, nil},
		{"drive_get takes a Docs link", "drive_get", `{"file_id":"https://docs.google.com/document/d/` + googlefake.DocPlan + `/edit?usp=sharing"}`,
			[]string{"ID: " + googlefake.DocPlan}, nil},
		{"drive_get says a PNG is not readable", "drive_get", `{"file_id":"` + googlefake.PNGLogo + `"}`,
			[]string{"logo.png (image/png)", "Size: 33 bytes", "drive_read: no (image/png is not text)"}, nil},
		{"drive_read exports a Doc as text", "drive_read", `{"file_id":"` + googlefake.DocPlan + `"}`,
			[]string{"File \"Quarterly plan\" (Google Doc, id " + googlefake.DocPlan + "; exported as text/plain)\n\nQuarterly plan\n\nShip the gateway by June.\n"},
			[]string{"\ufeff", "\r"}},
		{"drive_read exports a Sheet as CSV", "drive_read", `{"file_id":"` + googlefake.SheetBudget + `"}`,
			[]string{"exported as text/csv; the CSV holds the first sheet only", "Item,Cost\nServers,120\nDomains,15\n"}, nil},
		{"drive_read downloads a text file", "drive_read", `{"file_id":"` + googlefake.TextNotes + `"}`,
			[]string{"File \"Bob's notes.txt\" (text/plain, id " + googlefake.TextNotes + "; as stored)\n\n" + googlefake.NotesText}, nil},
		{"drive_read downloads JSON", "drive_read", `{"file_id":"` + googlefake.JSONConfig + `"}`,
			[]string{`{"debug": false, "name": "engine"}`}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, up := newFake(t)
			got, err := call(t, up, tt.tool, tt.args)
			if err != nil {
				t.Fatalf("%s(%s): %v", tt.tool, tt.args, err)
			}
			assertContains(t, got, tt.want...)
			assertOmits(t, got, tt.omit...)
		})
	}
}

func TestDriveReadRefusesWhatIsNotText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, id string
		want     []string
	}{
		{"a binary file names its type", googlefake.PNGLogo, []string{`"logo.png" is a binary file (image/png, 33 bytes)`, "drive_read only returns text"}},
		{"a folder says how to list it", googlefake.FolderProjects, []string{`"Projects" is a folder`, `q "'` + googlefake.FolderProjects + `' in parents"`}},
		{"a form cannot be exported", googlefake.FormSurvey, []string{`"Survey" is a Google form, which drive_read cannot export as text`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fake, up := newFake(t)
			_, err := call(t, up, "drive_read", `{"file_id":"`+tt.id+`"}`)
			assertContains(t, errText(err), tt.want...)
			if n := fake.Requests(); n != 1 {
				t.Errorf("%d requests, want only the metadata one", n)
			}
		})
	}
}

func TestDriveCreateTextUploadsMultipart(t *testing.T) {
	t.Parallel()
	fake, up := newFake(t)
	content := "Line one\nZeile zwei: Grüße\n"
	got, err := call(t, up, "drive_create_text", `{"name":"notes – 2024.txt","content":"Line one\nZeile zwei: Grüße\n","parent_id":"`+googlefake.FolderProjects+`"}`)
	if err != nil {
		t.Fatal(err)
	}
	assertContains(t, got, `Created "notes – 2024.txt" (text/plain, 29 bytes) with id 1New`, "in folder "+googlefake.FolderProjects, "Link: https://drive.google.com/file/d/1New")
	upl := fake.LastUpload()
	if len(upl.Parts) != 2 || upl.Parts[0].ContentType != "application/json; charset=UTF-8" || upl.Parts[1].ContentType != "text/plain; charset=UTF-8" {
		t.Fatalf("upload parts = %+v, want JSON metadata then text/plain media", upl.Parts)
	}
	assertContains(t, string(upl.Parts[0].Body), `"name":"notes – 2024.txt"`, `"mimeType":"text/plain"`, `"parents":["`+googlefake.FolderProjects+`"]`)
	if string(upl.Parts[1].Body) != content {
		t.Errorf("media part = %q, want %q", upl.Parts[1].Body, content)
	}

	// The new file is in Drive and readable through the connector.
	got, err = call(t, up, "drive_search", `{"q":"name = 'notes – 2024.txt'"}`)
	if err != nil {
		t.Fatal(err)
	}
	assertContains(t, got, "1 file")
}

func TestDriveCreateTextWithoutParentGoesToMyDrive(t *testing.T) {
	t.Parallel()
	fake, up := newFake(t)
	if _, err := call(t, up, "drive_create_text", `{"name":"empty.txt","content":""}`); err != nil {
		t.Fatal(err)
	}
	upl := fake.LastUpload()
	assertOmits(t, string(upl.Parts[0].Body), "parents")
}

func TestDriveCreateTextInAMissingFolderIsNotFound(t *testing.T) {
	t.Parallel()
	_, up := newFake(t)
	_, err := call(t, up, "drive_create_text", `{"name":"a.txt","content":"x","parent_id":"1NoSuchFolder"}`)
	assertContains(t, errText(err), "Google Drive: not found: File not found: 1NoSuchFolder")
}
