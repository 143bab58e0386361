package slackfake

import (
	"math"
	"net/url"
	"strings"
)

var typeScopes = map[string]string{
	"public_channel": "channels:read", "private_channel": "groups:read", "mpim": "mpim:read", "im": "im:read",
}

func (s *Server) conversationsList(t *token, p url.Values) map[string]any {
	types := strings.Split(p.Get("types"), ",")
	if p.Get("types") == "" {
		types = []string{"public_channel"}
	}
	want := map[string]bool{}
	for _, ty := range types {
		scope, ok := typeScopes[strings.TrimSpace(ty)]
		if !ok {
			return failure("invalid_types")
		}
		if !t.has(scope) {
			return missingScope(t, scope)
		}
		want[strings.TrimSpace(ty)] = true
	}
	// conversations.list: "Must be an integer under 1000"
	// (https://api.slack.com/methods/conversations.list).
	limit, ok := limitParam(p, 100, 999)
	if !ok {
		return failure("invalid_limit")
	}
	offset, ok := decodeCursor(p.Get("cursor"))
	if !ok {
		return failure("invalid_cursor")
	}
	var list []map[string]any
	for _, c := range s.channels {
		kind := "public_channel"
		if c.private {
			kind = "private_channel"
		}
		if !want[kind] || (c.private && !c.member) || (c.archived && truthy(p.Get("exclude_archived"))) {
			continue
		}
		list = append(list, c.view())
	}
	items, next := page(list, offset, limit)
	return map[string]any{"ok": true, "channels": nonNil(items), "response_metadata": map[string]any{"next_cursor": next}}
}

// readable finds a channel the token may read, or the error to answer.
func (s *Server) readable(t *token, p url.Values) (*fakeChannel, map[string]any) {
	c := s.channelByRef(p.Get("channel"))
	if c == nil || c.id != p.Get("channel") || (c.private && !c.member) {
		return nil, failure("channel_not_found")
	}
	scope := "channels:history"
	if c.private {
		scope = "groups:history"
	}
	if !t.has(scope) {
		return nil, missingScope(t, scope)
	}
	if !c.member {
		return nil, failure("not_in_channel")
	}
	return c, nil
}

func (s *Server) conversationsHistory(t *token, p url.Values) map[string]any {
	c, fail := s.readable(t, p)
	if fail != nil {
		return fail
	}
	limit, ok := limitParam(p, 100, math.MaxInt32)
	if !ok {
		return failure("invalid_limit")
	}
	limit = min(limit, 999)
	oldest, latest := int64(0), int64(math.MaxInt64)
	if v := p.Get("oldest"); v != "" {
		if oldest, ok = tsMicros(v); !ok {
			return failure("invalid_ts_oldest")
		}
	}
	if v := p.Get("latest"); v != "" {
		if latest, ok = tsMicros(v); !ok {
			return failure("invalid_ts_latest")
		}
	}
	offset, ok := decodeCursor(p.Get("cursor"))
	if !ok {
		return failure("invalid_cursor")
	}
	inclusive := truthy(p.Get("inclusive"))
	var list []map[string]any
	for i := len(c.messages) - 1; i >= 0; i-- {
		m := c.messages[i]
		at, _ := tsMicros(m.ts)
		if at < oldest || at > latest || (!inclusive && (at == oldest || at == latest)) {
			continue
		}
		list = append(list, m.view(TeamID))
	}
	items, next := page(list, offset, limit)
	out := map[string]any{"ok": true, "messages": nonNil(items), "has_more": next != "", "pin_count": 0,
		"channel_actions_ts": nil, "channel_actions_count": 0}
	if next != "" {
		out["response_metadata"] = map[string]any{"next_cursor": next}
	}
	return out
}

func (s *Server) conversationsReplies(t *token, p url.Values) map[string]any {
	c, fail := s.readable(t, p)
	if fail != nil {
		return fail
	}
	ts := p.Get("ts")
	if ts == "" {
		return failure("invalid_arguments")
	}
	limit, ok := limitParam(p, 1000, 1000)
	if !ok {
		return failure("invalid_limit")
	}
	offset, ok := decodeCursor(p.Get("cursor"))
	if !ok {
		return failure("invalid_cursor")
	}
	var list []map[string]any
	for _, m := range c.messages {
		if m.ts == ts {
			list = append(list, m.view(TeamID))
			for _, r := range m.replies {
				v := r.view(TeamID)
				v["parent_user_id"] = m.user
				list = append(list, v)
			}
		}
		for _, r := range m.replies {
			if r.ts == ts { // a reply's ts names just that reply
				list = append(list, r.view(TeamID))
			}
		}
	}
	if len(list) == 0 {
		return failure("thread_not_found")
	}
	items, next := page(list, offset, limit)
	out := map[string]any{"ok": true, "messages": items, "has_more": next != ""}
	if next != "" {
		out["response_metadata"] = map[string]any{"next_cursor": next}
	}
	return out
}
