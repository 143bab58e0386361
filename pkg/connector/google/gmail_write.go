package google

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/mail"
	"strings"
	"time"

	"github.com/mcpgate/mcpgate/pkg/connector"
	"github.com/mcpgate/mcpgate/pkg/connector/toolkit"
)

// draftArgs are the arguments of gmail_create_draft; recipients are lists
// of addresses, one each, so a guardrail can check every one of them
// (`args.to.all(t, t.endsWith("@example.com"))`).
type draftArgs struct {
	To      []string `json:"to"`
	Cc      []string `json:"cc"`
	Bcc     []string `json:"bcc"`
	Subject string   `json:"subject"`
	Body    string   `json:"body"`
}

// Normalise rewrites each recipient into its bare address (display names
// are dropped, the domain is lower-cased and in ASCII) and checks the
// subject and body.
func (a *draftArgs) Normalise() error { return a.normalise(false) }

func (a *draftArgs) normalise(needTo bool) error {
	m, err := newComposed(a.To, a.Cc, a.Bcc, a.Subject, a.Body, needTo)
	if err != nil {
		return err
	}
	a.To, a.Cc, a.Bcc, a.Subject = addresses(m.to), addresses(m.cc), addresses(m.bcc), m.subject
	return nil
}

// sendArgs are the arguments of gmail_send: a draft's, with to required.
type sendArgs struct{ draftArgs }

func (a *sendArgs) Normalise() error { return a.normalise(true) }

func (a draftArgs) composed() composed {
	return composed{to: mailList(a.To), cc: mailList(a.Cc), bcc: mailList(a.Bcc), subject: a.Subject, body: a.Body}
}

func addresses(as []*mail.Address) []string {
	out := make([]string, len(as))
	for i, a := range as {
		out[i] = a.Address
	}
	return out
}

func mailList(as []string) []*mail.Address {
	out := make([]*mail.Address, len(as))
	for i, a := range as {
		out[i] = &mail.Address{Address: a}
	}
	return out
}

func composeSchema(toRequired bool) json.RawMessage {
	required := []string{"subject", "body"}
	toDesc := "Recipients, one email address each, e.g. [\"ada@example.com\", \"bob@example.org\"]. A display name (\"Ada <ada@example.com>\") is accepted and dropped."
	if toRequired {
		required = append([]string{"to"}, required...)
	} else {
		toDesc += " Optional for a draft."
	}
	return toolkit.Object(required,
		toolkit.StringList("to", toDesc),
		toolkit.StringList("cc", "Optional Cc recipients, one address each like to."),
		toolkit.StringList("bcc", "Optional Bcc recipients, one address each like to; the other recipients do not see them."),
		toolkit.String("subject", "Subject line (one line; any language)."),
		toolkit.String("body", "Plain-text body. Line breaks are kept."),
	)
}

var gmailCreateDraftTool = connector.Tool{
	Name: "gmail_create_draft",
	Description: "Create a plain-text draft in the connected Gmail account, for the person to review and send " +
		"from Gmail. Nothing is sent. Returns the draft id.",
	InputSchema: composeSchema(false),
	Content:     []string{"body"},
	Prepare:     prepare(needGmailDraft, gmailCreateDraft),
}

func gmailCreateDraft(ctx context.Context, c *client, a draftArgs) (string, error) {
	m := a.composed()
	var d gmailDraft
	in := map[string]any{"message": map[string]string{"raw": rawMessage(m, c.now())}}
	if err := c.postJSON(ctx, gmailMe+"/drafts", in, &d); err != nil {
		return "", err
	}
	return fmt.Sprintf("Created draft %s (message %s)%s with subject %q. It has not been sent.\n",
		d.ID, d.Message.ID, toSummary(m), m.subject), nil
}

var gmailSendTool = connector.Tool{
	Name: "gmail_send",
	Description: "Send a plain-text email from the connected Gmail account, right away. The message goes to real " +
		"people and cannot be recalled; prefer gmail_create_draft when the person has not approved the exact text.",
	InputSchema: composeSchema(true),
	Content:     []string{"body"},
	Prepare:     prepare(needGmailSend, gmailSend),
}

func gmailSend(ctx context.Context, c *client, a sendArgs) (string, error) {
	m := a.composed()
	var sent sentMessage
	if err := c.postJSON(ctx, gmailMe+"/messages/send", map[string]string{"raw": rawMessage(m, c.now())}, &sent); err != nil {
		return "", err
	}
	return fmt.Sprintf("Sent message %s (thread %s)%s with subject %q.\n", sent.ID, sent.ThreadID, toSummary(m), m.subject), nil
}

// rawMessage is the message in the form Gmail's raw field takes: the RFC
// 5322 bytes, base64url-encoded.
func rawMessage(m composed, now time.Time) string {
	return base64.URLEncoding.EncodeToString(m.encode(now))
}

func toSummary(m composed) string {
	var names []string
	for _, list := range [][]*mail.Address{m.to, m.cc, m.bcc} {
		for _, a := range list {
			names = append(names, a.Address)
		}
	}
	if len(names) == 0 {
		return ""
	}
	return " to " + strings.Join(names, ", ")
}
