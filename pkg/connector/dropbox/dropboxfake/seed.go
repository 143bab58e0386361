package dropboxfake

import (
	"fmt"
	"strings"
	"time"
)

// The seeded account.
const (
	AccountID   = "dbid:AADfakeAccount0000000000000000000000001"
	AccountUID  = "1234567890"
	Email       = "alice@example.com"
	DisplayName = "Alice Liddell"
)

// BigLogLines is how many lines /logs/big.log has; each is
// "line 00001: all systems nominal\n" (32 bytes).
const BigLogLines = 8000

func (s *Server) seed() {
	now := s.now
	s.now = func() time.Time { return time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC) }
	defer func() { s.now = now }()
	for _, f := range []struct {
		path    string
		content string
	}{
		{"/Documents/notes.txt", "Meeting notes\n- ship the gateway\n- write the docs\n"},
		{"/Documents/Plan 2024.md", "# Plan 2024\n\nGrow the user base. Café ☕ included.\n"},
		{"/Documents/Reports/q1.csv", "quarter,revenue\nQ1,100\n"},
		{"/Photos/cat.jpg", "\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xdb"},
		{"/Résumé.txt", "Curriculum vitae – Alice Liddell\n"},
		{"/Documents/Design.paper", "paper document"},
	} {
		s.put(f.path, false, []byte(f.content))
	}
	s.entries["/documents/design.paper"].downloadable = false
	var big strings.Builder
	for i := 1; i <= BigLogLines; i++ {
		fmt.Fprintf(&big, "line %05d: all systems nominal\n", i)
	}
	s.put("/logs/big.log", false, []byte(big.String()))
	s.put("/Empty", true, nil)
	s.links["/photos/cat.jpg"] = "https://www.dropbox.com/scl/fi/fakecat0001/cat.jpg?rlkey=seeded&dl=0"
}

func (s *Server) accountView() map[string]any {
	return map[string]any{
		"account_id": AccountID,
		"name": map[string]any{"given_name": "Alice", "surname": "Liddell", "familiar_name": "Alice",
			"display_name": DisplayName, "abbreviated_name": "AL"},
		"email": Email, "email_verified": true, "disabled": false, "country": "GB", "locale": "en",
		"referral_link": "https://db.tt/fakeref", "is_paired": false,
		"account_type": map[string]any{".tag": "basic"},
		"root_info":    map[string]any{".tag": "user", "root_namespace_id": "3235641", "home_namespace_id": "3235641"},
	}
}
