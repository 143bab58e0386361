package slack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/mcpgate/mcpgate/pkg/connector"
	"github.com/mcpgate/mcpgate/pkg/connector/toolkit"
)

var listUsersTool = connector.Tool{
	Name: "list_users",
	Description: "List the people and bots in the Slack workspace, one line each: user id, @handle, real name, email and title, " +
		"with owner/admin/bot/guest flags. Deactivated accounts are left out unless include_deactivated is true.",
	InputSchema: toolkit.Object(nil,
		toolkit.Integer("limit", "Users per page, 1-1000; default 100.", 1, 1000),
		cursorProp,
		toolkit.Boolean("include_deactivated", "Also list deactivated accounts; default false."),
	),
	ReadOnly: true,
	Call:     run(listUsers),
}

func listUsers(ctx context.Context, c *client, raw json.RawMessage) (string, error) {
	a, err := toolkit.DecodeArgs[struct {
		Limit       int    `json:"limit"`
		Cursor      string `json:"cursor"`
		Deactivated bool   `json:"include_deactivated"`
	}](raw)
	if err != nil {
		return "", err
	}
	limit, err := toolkit.Limit("limit", a.Limit, 100, 1000)
	if err != nil {
		return "", err
	}
	cursor, err := cursorArg(a.Cursor)
	if err != nil {
		return "", err
	}
	form := url.Values{"limit": {strconv.Itoa(limit)}}
	setIf(form, "cursor", cursor)
	var out userList
	if err := c.call(ctx, "users.list", form, &out); err != nil {
		return "", err
	}
	var shown []user
	for _, u := range out.Members {
		if a.Deactivated || !u.Deleted {
			shown = append(shown, u)
		}
	}
	var b strings.Builder
	b.WriteString(plural(len(shown), "user", "users"))
	if skipped := len(out.Members) - len(shown); skipped > 0 {
		fmt.Fprintf(&b, " (%d deactivated left out)", skipped)
	}
	b.WriteString(":\n")
	for _, u := range shown {
		b.WriteString(userLine(u))
		b.WriteString("\n")
	}
	moreNote(&b, "users", out.Meta.NextCursor)
	return b.String(), nil
}

var getUserTool = connector.Tool{
	Name: "get_user",
	Description: "Look up one Slack user by id (as messages show it, e.g. U0123ABCD) or by email address: " +
		"handle, real name, display name, email, title, time zone, status and flags.",
	InputSchema: toolkit.Object(nil,
		toolkit.String("user", "User id, e.g. U0123ABCD. Give this or email."),
		toolkit.String("email", "Email address of the user. Give this or user."),
	),
	ReadOnly: true,
	Call:     run(getUser),
}

func getUser(ctx context.Context, c *client, raw json.RawMessage) (string, error) {
	a, err := toolkit.DecodeArgs[struct {
		User  string `json:"user"`
		Email string `json:"email"`
	}](raw)
	if err != nil {
		return "", err
	}
	hasUser, hasEmail := strings.TrimSpace(a.User) != "", strings.TrimSpace(a.Email) != ""
	var out userInfo
	switch {
	case hasUser && hasEmail:
		return "", errors.New("give either user or email, not both")
	case hasUser:
		id, err := userArg(a.User)
		if err != nil {
			return "", err
		}
		err = c.call(ctx, "users.info", url.Values{"user": {id}}, &out)
		if err != nil {
			return "", err
		}
	case hasEmail:
		email, err := emailArg(a.Email)
		if err != nil {
			return "", err
		}
		if err := c.call(ctx, "users.lookupByEmail", url.Values{"email": {email}}, &out); err != nil {
			return "", err
		}
	default:
		return "", errors.New("user or email is required: a user id such as U0123ABCD, or an email address")
	}
	u := out.User
	if u.ID == "" {
		return "", &callError{msg: "unexpected response from Slack: the user has no id; check connectors.slack.api_url"}
	}
	var b strings.Builder
	b.WriteString(userLine(u))
	b.WriteString("\n")
	line(&b, "Display name", u.Profile.DisplayName)
	line(&b, "Title", u.Profile.Title)
	line(&b, "Status", u.Profile.StatusText)
	line(&b, "Phone", u.Profile.Phone)
	line(&b, "Time zone", u.TZ)
	line(&b, "Team", u.TeamID)
	return b.String(), nil
}

// line writes "Key: value" when value is not empty.
func line(b *strings.Builder, key, value string) {
	if value = oneLine(value); value != "" {
		fmt.Fprintf(b, "%s: %s\n", key, value)
	}
}
