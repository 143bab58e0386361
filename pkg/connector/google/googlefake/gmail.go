package googlefake

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/mail"
	"regexp"
	"strconv"
	"strings"
	"time"
)

type message struct {
	id, threadID string
	labels       []string
	internalDate int64 // ms since the epoch
	raw          []byte
	payload      partJSON
	snippet      string
}

type labelJSON struct {
	ID                    string `json:"id"`
	Name                  string `json:"name"`
	MessageListVisibility string `json:"messageListVisibility,omitempty"`
	LabelListVisibility   string `json:"labelListVisibility,omitempty"`
	Type                  string `json:"type"`
}

type mailbox struct {
	messages []*message // newest first
	labels   []labelJSON
	sent     [][]byte
	drafts   [][]byte
}

// Sent returns the raw RFC 5322 messages given to messages.send, oldest
// first, exactly as the client sent them (after base64url decoding).
func (s *Server) Sent() [][]byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return cloneAll(s.mail.sent)
}

// Drafts returns the raw RFC 5322 messages given to drafts.create.
func (s *Server) Drafts() [][]byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return cloneAll(s.mail.drafts)
}

func cloneAll(in [][]byte) [][]byte {
	out := make([][]byte, len(in))
	for i, b := range in {
		out[i] = bytes.Clone(b)
	}
	return out
}

func (s *Server) mailRoutes(m *http.ServeMux) {
	m.HandleFunc("GET /gmail/v1/users/{user}/profile", s.api(gmailProfileScopes, s.withUser(s.profile)))
	m.HandleFunc("GET /gmail/v1/users/{user}/messages", s.api(gmailReadScopes, s.withUser(s.listMessages)))
	m.HandleFunc("GET /gmail/v1/users/{user}/messages/{id}", s.api(gmailReadScopes, s.withUser(s.getMessage)))
	m.HandleFunc("POST /gmail/v1/users/{user}/messages/send", s.api(gmailSendScopes, s.withUser(s.sendMessage)))
	m.HandleFunc("POST /gmail/v1/users/{user}/drafts", s.api(gmailDraftScopes, s.withUser(s.createDraft)))
	m.HandleFunc("GET /gmail/v1/users/{user}/labels", s.api(gmailReadScopes, s.withUser(s.listLabels)))
}

// withUser accepts "me" or the account's address as userId, and holds mu.
func (s *Server) withUser(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if u := r.PathValue("user"); u != "me" && !strings.EqualFold(u, Email) {
			writeError(w, http.StatusForbidden, "PERMISSION_DENIED", "Delegation denied for "+Email,
				errItem{Message: "Delegation denied for " + Email, Domain: "global", Reason: "forbidden"})
			return
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		h(w, r)
	}
}

func (s *Server) profile(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"emailAddress": Email, "messagesTotal": len(s.mail.messages), "threadsTotal": len(s.mail.messages), "historyId": "123456",
	})
}

func (s *Server) listMessages(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit := 100
	if v := q.Get("maxResults"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 500 {
			badRequest(w, "Invalid maxResults", "maxResults")
			return
		}
		limit = n
	}
	offset := 0
	if v := q.Get("pageToken"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			badRequest(w, "Invalid pageToken", "pageToken")
			return
		}
		offset = n
	}
	var hits []*message
	for _, m := range s.mail.messages {
		if hasLabels(m, q["labelIds"]) && s.matches(m, q.Get("q")) {
			hits = append(hits, m)
		}
	}
	body := map[string]any{"resultSizeEstimate": len(hits)}
	var page []map[string]string
	for i := offset; i < len(hits) && i < offset+limit; i++ {
		page = append(page, map[string]string{"id": hits[i].id, "threadId": hits[i].threadID})
	}
	if page != nil {
		body["messages"] = page // Gmail leaves the key out when nothing matches
	}
	if offset+limit < len(hits) {
		body["nextPageToken"] = strconv.Itoa(offset + limit)
	}
	writeJSON(w, http.StatusOK, body)
}

func hasLabels(m *message, want []string) bool {
	for _, l := range want {
		if !contains(m.labels, l) {
			return false
		}
	}
	return true
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

var hexID = regexp.MustCompile(`^[0-9a-f]{1,32}$`)

func (s *Server) getMessage(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if !hexID.MatchString(id) {
		badRequest(w, "Invalid id value", "id")
		return
	}
	var m *message
	for _, x := range s.mail.messages {
		if x.id == id {
			m = x
		}
	}
	if m == nil {
		notFound(w, "Requested entity was not found.")
		return
	}
	body := map[string]any{
		"id": m.id, "threadId": m.threadID, "labelIds": m.labels, "snippet": m.snippet,
		"sizeEstimate": len(m.raw), "historyId": "123400", "internalDate": strconv.FormatInt(m.internalDate, 10),
	}
	switch format := r.URL.Query().Get("format"); format {
	case "", "full":
		body["payload"] = m.payload
	case "metadata":
		want := r.URL.Query()["metadataHeaders"]
		var hs []headerJSON
		for _, h := range m.payload.Headers {
			if len(want) == 0 || containsFold(want, h.Name) {
				hs = append(hs, h)
			}
		}
		body["payload"] = partJSON{MimeType: m.payload.MimeType, Headers: hs}
	case "minimal":
	case "raw":
		body["raw"] = base64.URLEncoding.EncodeToString(m.raw)
	default:
		badRequest(w, "Invalid value at 'format' ("+format+")", "format")
		return
	}
	writeJSON(w, http.StatusOK, body)
}

func containsFold(list []string, v string) bool {
	for _, x := range list {
		if strings.EqualFold(x, v) {
			return true
		}
	}
	return false
}

func (s *Server) listLabels(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"labels": s.mail.labels})
}

// readRaw decodes the raw field of a Message resource and checks that it
// is a message at all; it answers 400 itself on failure.
func readRaw(w http.ResponseWriter, raw string) ([]byte, *mail.Message, bool) {
	b, err := base64.URLEncoding.DecodeString(raw)
	if err != nil {
		b, err = base64.RawURLEncoding.DecodeString(raw)
	}
	if raw == "" || err != nil {
		badRequest(w, "Invalid value at 'message.raw' (TYPE_BYTES), Base64 decoding failed", "message.raw")
		return nil, nil, false
	}
	msg, err := mail.ReadMessage(bytes.NewReader(b))
	if err != nil {
		badRequest(w, "Invalid RFC 822 message: "+err.Error(), "message.raw")
		return nil, nil, false
	}
	return b, msg, true
}

func (s *Server) sendMessage(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Raw string `json:"raw"`
	}
	if json.NewDecoder(r.Body).Decode(&in) != nil {
		badRequest(w, "Invalid JSON payload received.", "")
		return
	}
	raw, msg, ok := readRaw(w, in.Raw)
	if !ok {
		return
	}
	if msg.Header.Get("To") == "" && msg.Header.Get("Cc") == "" && msg.Header.Get("Bcc") == "" {
		badRequest(w, "Recipient address required", "")
		return
	}
	s.mail.sent = append(s.mail.sent, raw)
	m, ok := s.store(w, raw, "SENT")
	if ok {
		writeJSON(w, http.StatusOK, map[string]any{"id": m.id, "threadId": m.threadID, "labelIds": m.labels})
	}
}

func (s *Server) createDraft(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Message struct {
			Raw string `json:"raw"`
		} `json:"message"`
	}
	if json.NewDecoder(r.Body).Decode(&in) != nil {
		badRequest(w, "Invalid JSON payload received.", "")
		return
	}
	raw, _, ok := readRaw(w, in.Message.Raw)
	if !ok {
		return
	}
	s.mail.drafts = append(s.mail.drafts, raw)
	m, ok := s.store(w, raw, "DRAFT")
	if ok {
		writeJSON(w, http.StatusOK, map[string]any{
			"id":      fmt.Sprintf("r-%d", s.nextID()),
			"message": map[string]any{"id": m.id, "threadId": m.threadID, "labelIds": m.labels},
		})
	}
}

// store adds a message the account wrote, with the From header Gmail adds.
func (s *Server) store(w http.ResponseWriter, raw []byte, label string) (*message, bool) {
	full := append([]byte("From: "+DisplayName+" <"+Email+">\r\n"), raw...)
	id := fmt.Sprintf("%016x", 0x18f1a00000000000+s.nextID())
	m, err := newMessage(id, full, time.Now(), label)
	if err != nil {
		badRequest(w, "Invalid RFC 822 message: "+err.Error(), "message.raw")
		return nil, false
	}
	s.mail.messages = append([]*message{m}, s.mail.messages...)
	return m, true
}

func newMessage(id string, raw []byte, at time.Time, labels ...string) (*message, error) {
	p, snip, err := parseMessage(raw, id)
	if err != nil {
		return nil, err
	}
	return &message{id: id, threadID: id, labels: labels, internalDate: at.UnixMilli(), raw: raw, payload: p, snippet: snip}, nil
}
