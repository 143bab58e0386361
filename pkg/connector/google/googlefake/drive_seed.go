package googlefake

import "time"

// Ids of the seeded Drive files.
const (
	RootFolder     = "0AFakeRootFolder"
	FolderProjects = "0BProjectsFolder01"
	// DocPlan is a Google Doc "Quarterly plan"; text/plain export starts
	// with a BOM, as Drive's does.
	DocPlan = "1DocQuarterlyPlan01"
	// SheetBudget is a Google Sheet "Budget 2025" with a CSV export.
	SheetBudget = "1SheetBudget202501"
	// FormSurvey is a Google Form, which has no text export.
	FormSurvey = "1FormSurvey000001"
	// TextNotes is "Bob's notes.txt" (text/plain) in FolderProjects.
	TextNotes = "1TextBobsNotes001"
	// JSONConfig is config.json (application/json).
	JSONConfig = "1JsonConfig00001"
	// PNGLogo is logo.png (image/png).
	PNGLogo = "1PngLogo00000001"
	// TrashedText is "old draft.txt", in the trash.
	TrashedText = "1TextOldDraft001"
)

// NotesText is the content of TextNotes.
const NotesText = "Remember: the meeting moved to Thursday.\nBring the loop diagrams.\n"

func (s *Server) seedDrive() {
	s.drive.files = map[string]*file{}
	at := func(day int) time.Time { return time.Date(2024, 5, day, 9, 0, 0, 0, time.UTC) }
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89")
	for _, f := range []*file{
		{id: FolderProjects, name: "Projects", mimeType: MimeFolder, parents: []string{RootFolder}, created: at(1), modified: at(1)},
		{id: DocPlan, name: "Quarterly plan", mimeType: MimeDoc, parents: []string{FolderProjects}, created: at(2), modified: at(9),
			description: "Plans for Q3", starred: true, exports: map[string][]byte{
				"text/plain":      []byte("\ufeffQuarterly plan\r\n\r\nShip the gateway by June.\r\n"),
				"text/html":       []byte("<html><body><h1>Quarterly plan</h1><p>Ship the gateway by June.</p></body></html>"),
				"application/pdf": []byte("%PDF-1.4 plan"),
			}},
		{id: SheetBudget, name: "Budget 2025", mimeType: MimeSheet, parents: []string{RootFolder}, created: at(3), modified: at(8),
			exports: map[string][]byte{
				"text/csv":        []byte("Item,Cost\r\nServers,120\r\nDomains,15\r\n"),
				"application/pdf": []byte("%PDF-1.4 budget"),
			}},
		{id: FormSurvey, name: "Survey", mimeType: MimeForm, parents: []string{RootFolder}, created: at(3), modified: at(3),
			exports: map[string][]byte{}},
		{id: TextNotes, name: "Bob's notes.txt", mimeType: "text/plain", parents: []string{FolderProjects}, created: at(4), modified: at(7),
			content: []byte(NotesText)},
		{id: JSONConfig, name: "config.json", mimeType: "application/json", parents: []string{RootFolder}, created: at(5), modified: at(6),
			content: []byte(`{"debug": false, "name": "engine"}` + "\n")},
		{id: PNGLogo, name: "logo.png", mimeType: "image/png", parents: []string{RootFolder}, created: at(5), modified: at(5), content: png},
		{id: TrashedText, name: "old draft.txt", mimeType: "text/plain", parents: []string{RootFolder}, created: at(1), modified: at(2),
			content: []byte("An old draft about the gateway.\n"), trashed: true},
	} {
		s.addFile(f)
	}
}
