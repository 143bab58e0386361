package slack

import (
	"context"
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
	Prepare:  toolkit.Prepare(newClient, listUsers),
}

type listUsersArgs struct {
	Limit       int    `json:"limit"`
	Cursor      string `json:"cursor"`
	Deactivated bool   `json:"include_deactivated"`
}

func (a *listUsersArgs) Normalise() error {
	if _, err := toolkit.Limit("limit", a.Limit, 100, 1000); err != nil {
		return err
	}
	var err error
	a.Cursor, err = cursorArg(a.Cursor)
	return err
}

func listUsers(ctx context.Context, c *client, a listUsersArgs) (string, error) {
	limit, _ := toolkit.Limit("limit", a.Limit, 100, 1000)
	form := url.Values{"limit": {strconv.Itoa(limit)}}
	setIf(form, "cursor", a.Cursor)
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
	Prepare:  toolkit.Prepare(newClient, getUser),
}

type getUserArgs struct {
	User  string `json:"user"`
	Email string `json:"email"`
}

func (a *getUserArgs) Normalise() error {
	a.User, a.Email = strings.TrimSpace(a.User), strings.TrimSpace(a.Email)
	var err error
	switch {
	case a.User != "" && a.Email != "":
		return errors.New("give either user or email, not both")
	case a.User != "":
		a.User, err = userArg(a.User)
	case a.Email != "":
		a.Email, err = emailArg(a.Email)
	default:
		return errors.New("user or email is required: a user id such as U0123ABCD, or an email address")
	}
	return err
}

func getUser(ctx context.Context, c *client, a getUserArgs) (string, error) {
	var out userInfo
	if a.User != "" {
		if err := c.call(ctx, "users.info", url.Values{"user": {a.User}}, &out); err != nil {
			return "", err
		}
	} else if err := c.call(ctx, "users.lookupByEmail", url.Values{"email": {a.Email}}, &out); err != nil {
		return "", err
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
