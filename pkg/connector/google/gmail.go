package google

import (
	"context"
	"errors"
	"fmt"
	"html"
	"net/url"
	"strconv"
	"strings"
	"sync"

	"github.com/mcpgate/mcpgate/pkg/connector"
	"github.com/mcpgate/mcpgate/pkg/connector/toolkit"
)

const gmailMe = "/gmail/v1/users/me"

var gmailSearchTool = connector.Tool{
	Name: "gmail_search",
	Description: "Search the connected Gmail mailbox with Gmail's search syntax, e.g. \"from:ada@example.com " +
		"is:unread newer_than:7d\" or \"subject:invoice has:attachment\". Returns one entry per message with its id, " +
		"date, sender, subject, labels and a snippet; read a message with gmail_read. Without q, lists the newest mail.",
	InputSchema: toolkit.Object(nil,
		toolkit.String("q", "Gmail search query, as typed in Gmail's search box: words plus operators such as from:, to:, subject:, label:, is:unread, has:attachment, after:YYYY/MM/DD, newer_than:7d."),
		toolkit.Integer("max_results", "How many messages to return, 1-25 (default 10).", 1, 25),
		toolkit.String("page_token", "page_token from a previous result, to get the next page."),
	),
	ReadOnly: true,
	Prepare:  prepare(needGmailRead, gmailSearch),
}

type gmailSearchArgs struct {
	Q          string `json:"q"`
	MaxResults int    `json:"max_results"`
	PageToken  string `json:"page_token"`
}

func (a *gmailSearchArgs) Normalise() error {
	a.Q, a.PageToken = strings.TrimSpace(a.Q), strings.TrimSpace(a.PageToken)
	_, err := toolkit.Limit("max_results", a.MaxResults, 10, 25)
	return err
}

func gmailSearch(ctx context.Context, c *client, a gmailSearchArgs) (string, error) {
	n, _ := toolkit.Limit("max_results", a.MaxResults, 10, 25)
	q := url.Values{"maxResults": {strconv.Itoa(n)}}
	if a.Q != "" {
		q.Set("q", a.Q)
	}
	if a.PageToken != "" {
		q.Set("pageToken", a.PageToken)
	}
	var list messageList
	if err := c.getJSON(ctx, gmailMe+"/messages", q, &list); err != nil {
		return "", err
	}
	msgs, err := c.messageSummaries(ctx, list)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s", plural(len(msgs), "message", "messages"))
	if list.ResultSizeEstimate > len(msgs) {
		fmt.Fprintf(&b, " (about %d match)", list.ResultSizeEstimate)
	}
	if q.Has("q") {
		fmt.Fprintf(&b, " for %q", q.Get("q"))
	}
	b.WriteString(":\n")
	for _, m := range msgs {
		fmt.Fprintf(&b, "- %s · %s · From: %s · Subject: %s", m.ID, msTime(m.InternalDate),
			headerText(m.Payload.header("From")), headerText(m.Payload.header("Subject")))
		if len(m.LabelIDs) > 0 {
			fmt.Fprintf(&b, " [%s]", strings.Join(m.LabelIDs, ", "))
		}
		b.WriteString("\n")
		if s := oneLine(html.UnescapeString(m.Snippet), 200); s != "" { // Gmail HTML-escapes snippets
			fmt.Fprintf(&b, "  %s\n", s)
		}
	}
	if list.NextPageToken != "" {
		fmt.Fprintf(&b, "More results: call again with page_token=%s.\n", list.NextPageToken)
	}
	if len(msgs) > 0 {
		b.WriteString("Read a message with gmail_read and its id.\n")
	}
	return b.String(), nil
}

// messageSummaries fetches the headers of each listed message, a few at a
// time: the list itself carries only ids. A message deleted in between is
// left out.
func (c *client) messageSummaries(ctx context.Context, list messageList) ([]gmailMessage, error) {
	out := make([]gmailMessage, len(list.Messages))
	errs := make([]error, len(list.Messages))
	q := url.Values{"format": {"metadata"}, "metadataHeaders": {"From", "Subject", "Date"}}
	sem := make(chan struct{}, 5)
	var wg sync.WaitGroup
	for i, m := range list.Messages {
		if !idPattern.MatchString(m.ID) {
			errs[i] = errors.New("unexpected response from Gmail: a listed message has an invalid id")
			continue
		}
		id := m.ID
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			errs[i] = c.getJSON(ctx, gmailMe+"/messages/"+id, q, &out[i])
		}()
	}
	wg.Wait()
	kept := out[:0]
	for i, err := range errs {
		switch {
		case errors.Is(err, ErrNotFound):
		case err != nil:
			return nil, err
		default:
			kept = append(kept, out[i])
		}
	}
	return kept, nil
}

var gmailReadTool = connector.Tool{
	Name: "gmail_read",
	Description: "Read one Gmail message by id (from gmail_search): its From, To, Cc, Subject and Date headers, " +
		"labels, attachment names, and the plain-text body (an HTML-only message is converted to readable text). " +
		"Attachments themselves are not returned.",
	InputSchema: toolkit.Object([]string{"id"},
		toolkit.String("id", "Message id from gmail_search, e.g. \"18c2f0a1b2c3d4e5\"."),
	),
	ReadOnly: true,
	Prepare:  prepare(needGmailRead, gmailRead),
}

type gmailReadArgs struct {
	ID string `json:"id"`
}

func (a *gmailReadArgs) Normalise() error { return normMessageID(&a.ID) }

func gmailRead(ctx context.Context, c *client, a gmailReadArgs) (string, error) {
	var m gmailMessage
	if err := c.getJSON(ctx, gmailMe+"/messages/"+url.PathEscape(a.ID), url.Values{"format": {"full"}}, &m); err != nil {
		return "", err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Message %s (thread %s)\n", m.ID, m.ThreadID)
	for _, h := range []string{"From", "To", "Cc", "Date", "Subject"} {
		line(&b, h, headerText(m.Payload.header(h)))
	}
	line(&b, "Labels", strings.Join(m.LabelIDs, ", "))
	body := messageBody(m.Payload)
	if len(body.attachments) > 0 {
		line(&b, "Attachments", strings.Join(body.attachments, "; "))
	}
	b.WriteString("\n")
	switch {
	case body.text != "":
		b.WriteString(body.text)
		b.WriteString("\n")
	case body.note != "":
		b.WriteString(body.note + "\n")
	default:
		b.WriteString("(no text body)\n")
	}
	return b.String(), nil
}

var gmailListLabelsTool = connector.Tool{
	Name: "gmail_list_labels",
	Description: "List the Gmail mailbox's labels: system labels (INBOX, SENT, UNREAD, ...) and the user's own, " +
		"with the ids to use in gmail_search as label:NAME.",
	InputSchema: toolkit.Object(nil),
	ReadOnly:    true,
	Prepare:     prepare(needGmailRead, gmailListLabels),
}

// noArgs is the argument struct of a tool that takes none.
type noArgs struct{}

func (*noArgs) Normalise() error { return nil }

func gmailListLabels(ctx context.Context, c *client, _ noArgs) (string, error) {
	var res labelList
	if err := c.getJSON(ctx, gmailMe+"/labels", nil, &res); err != nil {
		return "", err
	}
	var system, user []string
	for _, l := range res.Labels {
		if l.Type == "user" {
			user = append(user, fmt.Sprintf("%s (id %s)", l.Name, l.ID))
		} else {
			system = append(system, l.Name)
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s.\n", plural(len(res.Labels), "label", "labels"))
	line(&b, "System labels", strings.Join(system, ", "))
	line(&b, "User labels", strings.Join(user, ", "))
	return b.String(), nil
}
