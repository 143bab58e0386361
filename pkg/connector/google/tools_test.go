package google_test

import (
	"testing"

	"github.com/mcpgate/mcpgate/pkg/connector/connectortest"
	"github.com/mcpgate/mcpgate/pkg/connector/google/googlefake"
)

func TestToolsAnswerFromGoogle(t *testing.T) {
	t.Parallel()
	tests := []connectortest.ToolCase{
		{Name: "gmail_search without q lists the newest mail", Tool: "gmail_search", Args: `{}`,
			Want: []string{"4 messages:", "- " + googlefake.MsgAlternative + " · 2024-05-03T10:00:00Z · From: Grace Hopper <grace@example.com> · Subject: Compiler meeting notes [INBOX, UNREAD",
				"Read a message with gmail_read"}},
		{Name: "gmail_search passes Gmail syntax through", Tool: "gmail_search", Args: `{"q":"from:grace is:unread"}`,
			Want: []string{"1 message for \"from:grace is:unread\":", googlefake.MsgAlternative}, Omit: []string{googlefake.MsgHTMLOnly}},
		{Name: "gmail_search unescapes snippets", Tool: "gmail_search", Args: `{"q":"punched"}`,
			Want: []string{"Punched cards & you", "It's long."}, Omit: []string{"&amp;", "&#39;"}},
		{Name: "gmail_search decodes encoded-word headers", Tool: "gmail_search", Args: `{"q":"label:recruiting"}`,
			Want: []string{"From: José Müller <jose@example.de> · Subject: Résumé for José — 日本", "Grüße aus München!"}, Omit: []string{"=?UTF-8?"}},
		{Name: "gmail_search pages", Tool: "gmail_search", Args: `{"max_results":1}`,
			Want: []string{"1 message (about 4 match):", "More results: call again with page_token=1."}},
		{Name: "gmail_search reads a later page", Tool: "gmail_search", Args: `{"max_results":1,"page_token":"3"}`,
			Want: []string{googlefake.MsgSent}, Omit: []string{"More results"}},
		{Name: "gmail_search with no match", Tool: "gmail_search", Args: `{"q":"nothing-matches-this"}`,
			Want: []string{"0 messages for \"nothing-matches-this\":"}, Omit: []string{"gmail_read"}},
		{Name: "gmail_read prefers text/plain in an alternative", Tool: "gmail_read", Args: `{"id":"` + googlefake.MsgAlternative + `"}`,
			Want: []string{"Message " + googlefake.MsgAlternative, "From: Grace Hopper <grace@example.com>", "To: Ada Lovelace <ada@example.com>",
				"Date: Fri, 03 May 2024 10:00:00 +0000", "Subject: Compiler meeting notes", "Labels: INBOX, UNREAD",
				"Hi Ada,\n\nThe meeting moved to Thursday. Bring the loop diagrams.\n\nGrace"},
			Omit: []string{"HTML VERSION", "<div>"}},
		{Name: "gmail_read turns HTML-only mail into text", Tool: "gmail_read", Args: `{"id":"` + googlefake.MsgHTMLOnly + `"}`,
			Want: []string{"Punched cards & you\n\nRead the full story (https://example.org/cards) about cards.\nIt's long.",
				"- First item\n- Second item", "Part | Price\nMill | €100", "Café déjà vu"},
			Omit: []string{"<p>", "color: red", "do not show me", "Weekly issue", "=3D", "&amp;"}},
		{Name: "gmail_read decodes non-ASCII headers and a Latin-1 body", Tool: "gmail_read", Args: `{"id":"` + googlefake.MsgNonASCII + `"}`,
			Want: []string{"From: José Müller <jose@example.de>", "Subject: Résumé for José — 日本",
				"Attachments: cv.pdf (application/pdf, ", "Grüße aus München! Mein Lebenslauf ist angehängt."},
			Omit: []string{"%PDF", "=?UTF-8?"}},
		{Name: "gmail_list_labels splits system and user labels", Tool: "gmail_list_labels", Args: `{}`,
			Want: []string{"16 labels.", "System labels: CHAT, SENT, INBOX,", "User labels: Recruiting (id Label_1), Receipts/2024 (id Label_2)"}},
		{Name: "drive_search without q lists recent files", Tool: "drive_search", Args: `{}`,
			Want: []string{"7 files, most recently modified first:", "- Quarterly plan · Google Doc · id " + googlefake.DocPlan + " · modified 2024-05-09T09:00:00.000Z · https://docs.google.com/document/d/" + googlefake.DocPlan},
			Omit: []string{"old draft"}},
		{Name: "drive_search escapes plain words", Tool: "drive_search", Args: `{"q":"Bob's notes"}`,
			Want: []string{`1 file for fullText contains 'Bob\'s notes' and trashed = false:`, "Bob's notes.txt · text/plain · id " + googlefake.TextNotes + " · 66 bytes"}},
		{Name: "drive_search searches contents", Tool: "drive_search", Args: `{"q":"gateway"}`,
			Want: []string{"1 file for", "Quarterly plan"}, Omit: []string{"old draft"}},
		{Name: "drive_search passes Drive syntax through", Tool: "drive_search", Args: `{"q":"'` + googlefake.FolderProjects + `' in parents and mimeType != 'text/plain'"}`,
			Want: []string{"1 file for '" + googlefake.FolderProjects + "' in parents", "Quarterly plan"}, Omit: []string{"Bob's"}},
		{Name: "drive_search pages", Tool: "drive_search", Args: `{"page_size":2}`,
			Want: []string{"2 files", "More results: call again with page_token=2."}},
		{Name: "drive_get shows metadata", Tool: "drive_get", Args: `{"file_id":"` + googlefake.DocPlan + `"}`,
			Want: []string{"Quarterly plan (Google Doc)", "ID: " + googlefake.DocPlan, "Owners: Ada Lovelace <ada@example.com>",
				"Folder ids: " + googlefake.FolderProjects, "Modified: 2024-05-09T09:00:00.000Z", "Description: Plans for Q3",
				"Starred: yes · Shared: no · In trash: no", "drive_read: yes, exported as text/plain"}},
		{Name: "drive_get takes a Docs link", Tool: "drive_get", Args: `{"file_id":"https://docs.google.com/document/d/` + googlefake.DocPlan + `/edit?usp=sharing"}`,
			Want: []string{"ID: " + googlefake.DocPlan}},
		{Name: "drive_get says a PNG is not readable", Tool: "drive_get", Args: `{"file_id":"` + googlefake.PNGLogo + `"}`,
			Want: []string{"logo.png (image/png)", "Size: 33 bytes", "drive_read: no (image/png is not text)"}},
		{Name: "drive_read exports a Doc as text", Tool: "drive_read", Args: `{"file_id":"` + googlefake.DocPlan + `"}`,
			Want: []string{"File \"Quarterly plan\" (Google Doc, id " + googlefake.DocPlan + "; exported as text/plain)\n\nQuarterly plan\n\nShip the gateway by June.\n"},
			Omit: []string{"\ufeff", "\r"}},
		{Name: "drive_read exports a Sheet as CSV", Tool: "drive_read", Args: `{"file_id":"` + googlefake.SheetBudget + `"}`,
			Want: []string{"exported as text/csv; the CSV holds the first sheet only", "Item,Cost\nServers,120\nDomains,15\n"}},
		{Name: "drive_read downloads a text file", Tool: "drive_read", Args: `{"file_id":"` + googlefake.TextNotes + `"}`,
			Want: []string{"File \"Bob's notes.txt\" (text/plain, id " + googlefake.TextNotes + "; as stored)\n\n" + googlefake.NotesText}},
		{Name: "drive_read downloads JSON", Tool: "drive_read", Args: `{"file_id":"` + googlefake.JSONConfig + `"}`,
			Want: []string{`{"debug": false, "name": "engine"}`}},
	}
	suite.CheckResults(t, tests)
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
			_, err := suite.Call(t, up, "drive_read", `{"file_id":"`+tt.id+`"}`)
			connectortest.AssertContains(t, connectortest.ErrText(err), tt.want...)
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
	got, err := suite.Call(t, up, "drive_create_text", `{"name":"notes – 2024.txt","content":"Line one\nZeile zwei: Grüße\n","parent_id":"`+googlefake.FolderProjects+`"}`)
	if err != nil {
		t.Fatal(err)
	}
	connectortest.AssertContains(t, got, `Created "notes – 2024.txt" (text/plain, 29 bytes) with id 1New`, "in folder "+googlefake.FolderProjects, "Link: https://drive.google.com/file/d/1New")
	upl := fake.LastUpload()
	if len(upl.Parts) != 2 || upl.Parts[0].ContentType != "application/json; charset=UTF-8" || upl.Parts[1].ContentType != "text/plain; charset=UTF-8" {
		t.Fatalf("upload parts = %+v, want JSON metadata then text/plain media", upl.Parts)
	}
	connectortest.AssertContains(t, string(upl.Parts[0].Body), `"name":"notes – 2024.txt"`, `"mimeType":"text/plain"`, `"parents":["`+googlefake.FolderProjects+`"]`)
	if string(upl.Parts[1].Body) != content {
		t.Errorf("media part = %q, want %q", upl.Parts[1].Body, content)
	}

	// The new file is in Drive and readable through the connector.
	got, err = suite.Call(t, up, "drive_search", `{"q":"name = 'notes – 2024.txt'"}`)
	if err != nil {
		t.Fatal(err)
	}
	connectortest.AssertContains(t, got, "1 file")
}

func TestDriveCreateTextWithoutParentGoesToMyDrive(t *testing.T) {
	t.Parallel()
	fake, up := newFake(t)
	if _, err := suite.Call(t, up, "drive_create_text", `{"name":"empty.txt","content":""}`); err != nil {
		t.Fatal(err)
	}
	upl := fake.LastUpload()
	connectortest.AssertOmits(t, string(upl.Parts[0].Body), "parents")
}

func TestDriveCreateTextInAMissingFolderIsNotFound(t *testing.T) {
	t.Parallel()
	_, up := newFake(t)
	_, err := suite.Call(t, up, "drive_create_text", `{"name":"a.txt","content":"x","parent_id":"1NoSuchFolder"}`)
	connectortest.AssertContains(t, connectortest.ErrText(err), "Google Drive: not found: File not found: 1NoSuchFolder")
}

// A drive.file token writes only into folders the app created; Drive hides
// the others (404), or with drive.readonly too shows them but refuses the
// write (403). https://developers.google.com/workspace/drive/api/guides/api-specific-auth
func TestDriveFileWritesOnlyIntoTheAppsFolders(t *testing.T) {
	t.Parallel()
	fake, up := newFake(t, googlefake.WithScopes(googlefake.ScopeDriveFile))
	_, err := suite.Call(t, up, "drive_create_text", `{"name":"a.txt","content":"x","parent_id":"`+googlefake.FolderProjects+`"}`)
	connectortest.AssertContains(t, connectortest.ErrText(err), "File not found: "+googlefake.FolderProjects, "the connection has only the drive.file scope and did not create it")

	own := fake.AddAppFolder("Made by mcpgate")
	got, err := suite.Call(t, up, "drive_create_text", `{"name":"a.txt","content":"x","parent_id":"`+own+`"}`)
	if err != nil {
		t.Fatalf("writing into the app's own folder: %v", err)
	}
	connectortest.AssertContains(t, got, "in folder "+own)

	_, up = newFake(t, googlefake.WithScopes(googlefake.ScopeDriveFile, googlefake.ScopeDriveReadonly))
	_, err = suite.Call(t, up, "drive_create_text", `{"name":"a.txt","content":"x","parent_id":"`+googlefake.FolderProjects+`"}`)
	connectortest.AssertContains(t, connectortest.ErrText(err), "HTTP 403", "may not write into folder "+googlefake.FolderProjects)
}
