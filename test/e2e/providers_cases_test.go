package e2e

import (
	"testing"
	"time"

	"github.com/mcpgate/mcpgate/pkg/connector/google/googlefake"
	"github.com/mcpgate/mcpgate/pkg/connector/slack/slackfake"
)

func provCases(p *provGateway) []provCase {
	slackPost := "Posted through mcpgate ✓ " + time.Now().Format(time.RFC3339Nano)
	slackReply := "Reply through mcpgate — ünïcode"
	draftBody := "Bitte prüfen.\nZweite Zeile: Grüße ✓\n"
	sendBody := "Merci, José.\nLe CV est bien arrivé.\n"
	driveName := "mcpgate e2e – notes.txt"
	driveContent := "Written through mcpgate: Grüße ✓\n"
	dropboxPath := "/mcpgate/Übersicht ✓.md"
	dropboxText := "# Written through mcpgate\n\nCafé ☕\n"
	return []provCase{
		{tool: "slack_list_channels", args: map[string]any{},
			want: []string{slackfake.GeneralID + " #general", "#secret-plans", "Company-wide announcements"}},
		{tool: "slack_channel_history", args: map[string]any{"channel": "#general"},
			want: []string{"in channel " + slackfake.GeneralID, "Lunch at noon?", "thread with 2 replies"}},
		{tool: "slack_thread_replies", args: map[string]any{"channel": slackfake.GeneralID, "ts": slackfake.ThreadTS},
			want: []string{"Thread " + slackfake.ThreadTS, "Deploy is done", "Great work!", "Thanks <@U01ALICE>!"}},
		{tool: "slack_post_message", args: map[string]any{"channel": "#random", "text": slackPost},
			want:  []string{"Posted to channel " + slackfake.RandomID},
			check: func(t *testing.T, out string) { provCheckSlackPost(t, p.slack, out, slackPost) }},
		{tool: "slack_reply_in_thread", args: map[string]any{"channel": slackfake.GeneralID, "thread_ts": slackfake.ThreadTS, "text": slackReply},
			want:  []string{"Replied in thread " + slackfake.ThreadTS + " of channel " + slackfake.GeneralID},
			check: func(t *testing.T, _ string) { provCheckSlackReply(t, p.slack, slackReply) }},
		{tool: "slack_list_users", args: map[string]any{},
			want: []string{"U01ALICE @alice — Alice Liddell", "alice@example.com", "1 deactivated left out"}},
		{tool: "slack_get_user", args: map[string]any{"email": "bob@example.com"},
			want: []string{"U02BOB @bob — Bob Builder", "Time zone: America/New_York"}},

		{tool: "google_gmail_search", args: map[string]any{"q": "from:grace"},
			want: []string{googlefake.MsgAlternative, "Subject: Compiler meeting notes"}},
		{tool: "google_gmail_read", args: map[string]any{"id": googlefake.MsgNonASCII},
			want: []string{"From: José Müller <jose@example.de>", "Subject: Résumé for José — 日本", "Attachments: cv.pdf", "Grüße aus München!"}},
		{tool: "google_gmail_list_labels", args: map[string]any{},
			want: []string{"System labels: ", "INBOX", "Recruiting (id Label_1)"}},
		{tool: "google_gmail_create_draft", args: map[string]any{"to": []string{"Grace Hopper <grace@example.com>"}, "subject": provDraftSubject, "body": draftBody},
			want: []string{"Created draft ", "to grace@example.com", "It has not been sent."},
			check: func(t *testing.T, _ string) {
				provCheckMail(t, "draft", p.google.Drafts(), "grace@example.com", provDraftSubject, draftBody)
			}},
		{tool: "google_gmail_send", args: map[string]any{"to": []string{"José Müller <jose@example.de>"}, "subject": provSendSubject, "body": sendBody},
			want: []string{"Sent message ", "to jose@example.de"},
			check: func(t *testing.T, _ string) {
				provCheckMail(t, "sent message", p.google.Sent(), "jose@example.de", provSendSubject, sendBody)
			}},
		{tool: "google_drive_search", args: map[string]any{"q": "gateway"},
			want: []string{"Quarterly plan", googlefake.DocPlan}},
		{tool: "google_drive_get", args: map[string]any{"file_id": googlefake.DocPlan},
			want: []string{"Quarterly plan (Google Doc)", "Description: Plans for Q3"}},
		{tool: "google_drive_read", args: map[string]any{"file_id": googlefake.DocPlan},
			want: []string{"Ship the gateway by June."}},
		{tool: "google_drive_create_text", args: map[string]any{"name": driveName, "content": driveContent, "parent_id": googlefake.FolderProjects},
			want:  []string{"Created \"" + driveName + "\"", "in folder " + googlefake.FolderProjects, "https://drive.google.com/file/d/"},
			check: func(t *testing.T, out string) { provCheckDriveFile(t, p.google, out, driveName, driveContent) }},

		{tool: "dropbox_list_folder", args: map[string]any{"path": "/Documents"},
			want: []string{"[file] /Documents/notes.txt", "[folder] /Documents/Reports/"}},
		{tool: "dropbox_search", args: map[string]any{"query": "notes"},
			want: []string{"/Documents/notes.txt"}},
		{tool: "dropbox_read_file", args: map[string]any{"path": "/Résumé.txt"},
			want: []string{"Curriculum vitae – Alice Liddell"}},
		{tool: "dropbox_upload_text", args: map[string]any{"path": dropboxPath, "text": dropboxText},
			want: []string{"Uploaded " + dropboxPath},
			check: func(t *testing.T, _ string) {
				if b, ok := p.dropbox.File(dropboxPath); !ok || string(b) != dropboxText {
					t.Errorf("Dropbox holds %q at %s (found: %v), want %q", b, dropboxPath, ok, dropboxText)
				}
			}},
		{tool: "dropbox_create_shared_link", args: map[string]any{"path": "/Documents/notes.txt"},
			want: []string{"Shared link for /Documents/notes.txt (new): https://www.dropbox.com/scl/fi/"}},
	}
}

// provCheckCoverage fails the test when a provider offers a tool that no
// case calls, so a new tool cannot go untested here.
