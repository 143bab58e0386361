package slackfake

import (
	"math"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"
)

// A method handler runs with s.mu held and returns the JSON body to send
// with HTTP 200.
type method func(s *Server, t *token, p url.Values) map[string]any

var methods = map[string]method{
	"auth.test":             (*Server).authTest,
	"auth.revoke":           (*Server).authRevoke,
	"conversations.list":    (*Server).conversationsList,
	"conversations.history": (*Server).conversationsHistory,
	"conversations.replies": (*Server).conversationsReplies,
	"chat.postMessage":      (*Server).chatPostMessage,
	"users.list":            (*Server).usersList,
	"users.info":            (*Server).usersInfo,
	"users.lookupByEmail":   (*Server).usersLookupByEmail,
}

func failure(code string) map[string]any { return map[string]any{"ok": false, "error": code} }

func missingScope(t *token, needed string) map[string]any {
	return map[string]any{"ok": false, "error": "missing_scope", "needed": needed, "provided": strings.Join(t.scopes, ",")}
}

func truthy(v string) bool { return v == "true" || v == "1" }

// limitParam reads limit; def applies when it is absent or 0.
func limitParam(p url.Values, def, max int) (int, bool) {
	v := p.Get("limit")
	if v == "" {
		return def, true
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 || n > max {
		return 0, false
	}
	if n == 0 {
		return def, true
	}
	return n, true
}

func (s *Server) authTest(t *token, _ url.Values) map[string]any {
	out := map[string]any{
		"ok": true, "url": "https://" + TeamDomain + ".slack.com/", "team": TeamName, "team_id": TeamID,
		"user_id": t.user, "is_enterprise_install": false,
	}
	if u := s.userByID(t.user); u != nil {
		out["user"] = u.name
	}
	if t.kind == "bot" {
		out["bot_id"] = BotID
	}
	return out
}

func (s *Server) authRevoke(t *token, p url.Values) map[string]any {
	if truthy(p.Get("test")) {
		return map[string]any{"ok": true, "revoked": false}
	}
	t.revoked = true
	return map[string]any{"ok": true, "revoked": true}
}

func (s *Server) chatPostMessage(t *token, p url.Values) map[string]any {
	if !t.has("chat:write") {
		return missingScope(t, "chat:write")
	}
	c := s.channelByRef(p.Get("channel"))
	switch {
	case c == nil || (c.private && !c.member):
		return failure("channel_not_found")
	case c.archived:
		return failure("is_archived")
	case !c.member:
		return failure("not_in_channel")
	}
	text := p.Get("text")
	if strings.TrimSpace(text) == "" {
		return failure("no_text")
	}
	if utf8.RuneCountInString(text) > 40000 {
		return failure("msg_too_long")
	}
	m := &fakeMessage{ts: s.nextTS(), user: t.user, text: text}
	if t.kind == "bot" {
		m.botID = BotID
	}
	if thread := p.Get("thread_ts"); thread != "" {
		parent := c.findParent(thread)
		if parent == nil {
			return failure("thread_not_found")
		}
		m.threadTS = parent.ts
		parent.replies = append(parent.replies, m)
		if truthy(p.Get("reply_broadcast")) {
			c.messages = append(c.messages, &fakeMessage{ts: s.nextTS(), user: m.user, botID: m.botID, text: text, threadTS: parent.ts, subtype: "thread_broadcast"})
		}
	} else {
		c.messages = append(c.messages, m)
	}
	return map[string]any{"ok": true, "channel": c.id, "ts": m.ts, "message": m.view(TeamID)}
}

// findParent finds the top-level message a thread_ts names, directly or
// through one of its replies.
func (c *fakeChannel) findParent(ts string) *fakeMessage {
	for _, m := range c.messages {
		if m.ts == ts {
			return m
		}
		for _, r := range m.replies {
			if r.ts == ts {
				return m
			}
		}
	}
	return nil
}

func (s *Server) usersList(t *token, p url.Values) map[string]any {
	if !t.has("users:read") {
		return missingScope(t, "users:read")
	}
	limit, ok := limitParam(p, math.MaxInt32, math.MaxInt32)
	if !ok {
		return failure("invalid_limit")
	}
	offset, ok := decodeCursor(p.Get("cursor"))
	if !ok {
		return failure("invalid_cursor")
	}
	list := make([]map[string]any, 0, len(s.users))
	for _, u := range s.users {
		list = append(list, u.view(t.has("users:read.email")))
	}
	items, next := page(list, offset, limit)
	return map[string]any{"ok": true, "members": items, "cache_ts": s.now().Unix(),
		"response_metadata": map[string]any{"next_cursor": next}}
}

func (s *Server) usersInfo(t *token, p url.Values) map[string]any {
	if !t.has("users:read") {
		return missingScope(t, "users:read")
	}
	u := s.userByID(p.Get("user"))
	if u == nil {
		return failure("user_not_found")
	}
	return map[string]any{"ok": true, "user": u.view(t.has("users:read.email"))}
}

func (s *Server) usersLookupByEmail(t *token, p url.Values) map[string]any {
	if !t.has("users:read.email") {
		return missingScope(t, "users:read.email")
	}
	email := strings.TrimSpace(p.Get("email"))
	for _, u := range s.users {
		if u.email != "" && strings.EqualFold(u.email, email) {
			return map[string]any{"ok": true, "user": u.view(true)}
		}
	}
	return failure("users_not_found")
}

func nonNil(items []map[string]any) []map[string]any {
	if items == nil {
		return []map[string]any{}
	}
	return items
}
