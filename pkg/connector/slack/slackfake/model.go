package slackfake

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"time"
)

type token struct {
	kind    string // "bot" or "user"
	user    string // the user id the token acts as
	scopes  []string
	expires time.Time // zero: never
	revoked bool
}

func (t *token) has(scope string) bool {
	for _, s := range t.scopes {
		if s == scope {
			return true
		}
	}
	return false
}

type fakeUser struct {
	id, name, realName, display, email, title, tz string
	owner, admin, bot, deleted                    bool
}

type fakeMessage struct {
	ts, user, botID, text, threadTS, subtype string
	replies                                  []*fakeMessage
}

type fakeChannel struct {
	id, name, topic, purpose  string
	private, archived, member bool
	created                   int64
	members                   int
	messages                  []*fakeMessage // oldest first, top level only
}

// Message is a message as the fake holds it, for tests to inspect.
type Message struct {
	TS, User, Text string
	// ThreadTS is the parent's ts for a reply, "" for a top-level message.
	ThreadTS string
	Replies  int
}

// Messages returns the messages of channel (id or name), oldest first, each
// top-level message followed by its replies.
func (s *Server) Messages(channel string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.channelByRef(channel)
	if c == nil {
		return nil
	}
	var out []Message
	for _, m := range c.messages {
		out = append(out, Message{TS: m.ts, User: m.user, Text: m.text, Replies: len(m.replies)})
		for _, r := range m.replies {
			out = append(out, Message{TS: r.ts, User: r.user, Text: r.text, ThreadTS: m.ts})
		}
	}
	return out
}

// channelByRef finds a channel by id or by name with or without "#".
func (s *Server) channelByRef(ref string) *fakeChannel {
	name := strings.TrimPrefix(ref, "#")
	for _, c := range s.channels {
		if c.id == ref || c.name == name {
			return c
		}
	}
	return nil
}

func (s *Server) userByID(id string) *fakeUser {
	for _, u := range s.users {
		if u.id == id {
			return u
		}
	}
	return nil
}

// nextTS hands out a fresh, strictly increasing message timestamp.
func (s *Server) nextTS() string {
	us := max(s.now().UnixMicro(), s.lastTS+1)
	s.lastTS = us
	return fmt.Sprintf("%d.%06d", us/1e6, us%1e6)
}

// tsMicros parses "1714557600.000100"; ok is false for anything else.
func tsMicros(ts string) (int64, bool) {
	sec, frac, found := strings.Cut(ts, ".")
	if sec == "" {
		return 0, false
	}
	n, err := strconv.ParseInt(sec, 10, 64)
	if err != nil || n < 0 {
		return 0, false
	}
	var f int64
	if found && frac != "" {
		if len(frac) > 6 {
			frac = frac[:6]
		}
		f, err = strconv.ParseInt(frac+strings.Repeat("0", 6-len(frac)), 10, 64)
		if err != nil {
			return 0, false
		}
	}
	return n*1e6 + f, true
}

func encodeCursor(offset int) string {
	return base64.StdEncoding.EncodeToString([]byte("next:" + strconv.Itoa(offset)))
}

func decodeCursor(c string) (int, bool) {
	if c == "" {
		return 0, true
	}
	b, err := base64.StdEncoding.DecodeString(c)
	if err != nil {
		return 0, false
	}
	n, err := strconv.Atoi(strings.TrimPrefix(string(b), "next:"))
	return n, err == nil && n >= 0 && strings.HasPrefix(string(b), "next:")
}

// page cuts items [offset, offset+limit) and returns the next cursor.
func page[T any](items []T, offset, limit int) ([]T, string) {
	if offset > len(items) {
		offset = len(items)
	}
	end := min(offset+limit, len(items))
	next := ""
	if end < len(items) {
		next = encodeCursor(end)
	}
	return items[offset:end], next
}

func (m *fakeMessage) view(team string) map[string]any {
	v := map[string]any{"type": "message", "text": m.text, "ts": m.ts, "team": team}
	if m.user != "" {
		v["user"] = m.user
	}
	if m.botID != "" {
		v["bot_id"] = m.botID
		v["app_id"] = AppID
	}
	if m.subtype != "" {
		v["subtype"] = m.subtype
	}
	if m.threadTS != "" {
		v["thread_ts"] = m.threadTS
	}
	if len(m.replies) > 0 {
		users := map[string]bool{}
		var list []string
		for _, r := range m.replies {
			if !users[r.user] {
				users[r.user] = true
				list = append(list, r.user)
			}
		}
		v["thread_ts"] = m.ts
		v["reply_count"] = len(m.replies)
		v["reply_users_count"] = len(list)
		v["reply_users"] = list
		v["latest_reply"] = m.replies[len(m.replies)-1].ts
		v["is_locked"] = false
		v["subscribed"] = false
	}
	return v
}

func (c *fakeChannel) view() map[string]any {
	return map[string]any{
		"id": c.id, "name": c.name, "name_normalized": c.name,
		"is_channel": !c.private, "is_group": c.private, "is_im": false, "is_mpim": false,
		"is_private": c.private, "is_archived": c.archived, "is_general": c.id == GeneralID,
		"is_member": c.member, "is_shared": false, "is_ext_shared": false, "is_org_shared": false,
		"is_pending_ext_shared": false, "pending_shared": []string{}, "unlinked": 0,
		"created": c.created, "updated": c.created * 1000, "creator": "U01ALICE",
		"context_team_id": TeamID, "shared_team_ids": []string{TeamID}, "parent_conversation": nil,
		"topic":          map[string]any{"value": c.topic, "creator": "U01ALICE", "last_set": c.created},
		"purpose":        map[string]any{"value": c.purpose, "creator": "U01ALICE", "last_set": c.created},
		"previous_names": []string{}, "num_members": c.members,
	}
}

func (u *fakeUser) view(withEmail bool) map[string]any {
	profile := map[string]any{
		"title": u.title, "phone": "", "skype": "", "real_name": u.realName,
		"real_name_normalized": u.realName, "display_name": u.display,
		"display_name_normalized": u.display, "status_text": "", "status_emoji": "",
		"avatar_hash": "g0a1b2c3d4e5", "team": TeamID,
		"image_48": "https://secure.gravatar.com/avatar/" + u.id + ".jpg?s=48",
	}
	if withEmail && u.email != "" {
		profile["email"] = u.email
	}
	return map[string]any{
		"id": u.id, "team_id": TeamID, "name": u.name, "deleted": u.deleted, "color": "9f69e7",
		"real_name": u.realName, "tz": u.tz, "tz_label": u.tz, "tz_offset": 0, "profile": profile,
		"is_admin": u.admin || u.owner, "is_owner": u.owner, "is_primary_owner": u.owner,
		"is_restricted": false, "is_ultra_restricted": false, "is_bot": u.bot, "is_app_user": false,
		"updated": 1714557600,
	}
}
