package slack

import (
	"cmp"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// The tools answer in short labelled lines rather than Slack's JSON: a
// model reads them as easily at a fraction of the size.

// tsTime renders a Slack timestamp as a UTC time; the ts itself stays in
// the output because the thread tools need it.
func tsTime(ts string) string {
	sec, _, _ := strings.Cut(ts, ".")
	n, err := strconv.ParseInt(sec, 10, 64)
	if err != nil {
		return ts
	}
	return time.Unix(n, 0).UTC().Format("2006-01-02 15:04:05Z")
}

func author(m message) string {
	switch {
	case m.User != "":
		return m.User
	case m.Username != "":
		return m.Username + " (bot)"
	case m.BotID != "":
		return "bot " + m.BotID
	}
	return "unknown author"
}

// writeMessage writes one message: a header line, then its text indented.
func writeMessage(b *strings.Builder, m message, threadNote bool) {
	fmt.Fprintf(b, "- %s · %s · ts %s", tsTime(m.TS), author(m), m.TS)
	if m.Subtype != "" && m.Subtype != "thread_broadcast" && m.Subtype != "bot_message" {
		fmt.Fprintf(b, " · %s", strings.ReplaceAll(m.Subtype, "_", " "))
	}
	if threadNote && m.ReplyCount > 0 {
		fmt.Fprintf(b, " · thread with %s (thread_replies ts=%s)", plural(m.ReplyCount, "reply", "replies"), m.TS)
	}
	b.WriteString("\n")
	text := strings.TrimSpace(m.Text)
	if text == "" && len(m.Files) == 0 {
		text = "(no text)"
	}
	for line := range strings.SplitSeq(text, "\n") {
		if text == "" {
			break
		}
		b.WriteString("  ")
		b.WriteString(line)
		b.WriteString("\n")
	}
	if len(m.Files) > 0 {
		names := make([]string, 0, len(m.Files))
		for _, f := range m.Files {
			names = append(names, cmp.Or(f.Name, f.Title, "unnamed file"))
		}
		fmt.Fprintf(b, "  [files: %s]\n", strings.Join(names, ", "))
	}
}

func channelLine(c channel) string {
	var b strings.Builder
	switch {
	case c.IsIM:
		fmt.Fprintf(&b, "%s direct message with %s", c.ID, cmp.Or(c.User, "someone"))
	case c.IsMPIM:
		fmt.Fprintf(&b, "%s group direct message %s", c.ID, c.Name)
	default:
		fmt.Fprintf(&b, "%s #%s", c.ID, c.Name)
	}
	var flags []string
	if !c.IsIM && !c.IsMPIM {
		if c.IsPrivate || c.IsGroup {
			flags = append(flags, "private")
		} else {
			flags = append(flags, "public")
		}
	}
	if c.IsMember {
		flags = append(flags, "member")
	}
	if c.IsArchived {
		flags = append(flags, "archived")
	}
	if len(flags) > 0 {
		fmt.Fprintf(&b, " [%s]", strings.Join(flags, ", "))
	}
	if c.NumMembers > 0 {
		fmt.Fprintf(&b, " · %s", plural(c.NumMembers, "member", "members"))
	}
	if t := oneLine(c.Topic.Value); t != "" {
		fmt.Fprintf(&b, " · topic: %s", t)
	} else if p := oneLine(c.Purpose.Value); p != "" {
		fmt.Fprintf(&b, " · purpose: %s", p)
	}
	return b.String()
}

func userLine(u user) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s @%s", u.ID, u.Name)
	if name := cmp.Or(u.Profile.RealName, u.RealName); name != "" {
		fmt.Fprintf(&b, " — %s", name)
	}
	if d := u.Profile.DisplayName; d != "" && d != u.Name {
		fmt.Fprintf(&b, " (shown as %s)", d)
	}
	for _, v := range []string{u.Profile.Email, oneLine(u.Profile.Title)} {
		if v != "" {
			fmt.Fprintf(&b, " · %s", v)
		}
	}
	var flags []string
	for _, f := range []struct {
		on   bool
		name string
	}{{u.IsOwner, "owner"}, {u.IsAdmin && !u.IsOwner, "admin"}, {u.IsBot, "bot"}, {u.IsGuest, "guest"}, {u.Deleted, "deactivated"}} {
		if f.on {
			flags = append(flags, f.name)
		}
	}
	if len(flags) > 0 {
		fmt.Fprintf(&b, " [%s]", strings.Join(flags, ", "))
	}
	return b.String()
}

func moreNote(b *strings.Builder, what, cursor string) {
	if cursor != "" {
		fmt.Fprintf(b, "More %s: call again with cursor=%q.\n", what, cursor)
	}
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > 120 {
		s = string(r[:120]) + "…"
	}
	return s
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
