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

type composeArgs struct {
	To      string `json:"to"`
	Cc      string `json:"cc"`
	Subject string `json:"subject"`
	Body    string `json:"body"`
}

func composeSchema(toRequired bool) json.RawMessage {
	required := []string{"subject", "body"}
	toDesc := "Recipients, comma-separated, e.g. \"Ada Lovelace <ada@example.com>, bob@example.com\"."
	if toRequired {
		required = append([]string{"to"}, required...)
	} else {
		toDesc += " Optional for a draft."
	}
	return toolkit.Object(required,
		toolkit.String("to", toDesc),
		toolkit.String("cc", "Optional Cc recipients, comma-separated like to."),
		toolkit.String("subject", "Subject line (one line; any language)."),
		toolkit.String("body", "Plain-text body. Line breaks are kept."),
	)
}

var gmailCreateDraftTool = connector.Tool{
	Name: "gmail_create_draft",
	Description: "Create a plain-text draft in the connected Gmail account, for the person to review and send " +
		"from Gmail. Nothing is sent. Returns the draft id.",
	InputSchema: composeSchema(false),
	Call:        run(needGmailDraft, gmailCreateDraft),
}

func gmailCreateDraft(ctx context.Context, c *client, raw json.RawMessage) (string, error) {
	m, err := composeFrom(raw, false)
	if err != nil {
		return "", err
	}
	var d gmailDraft
	in := map[string]any{"message": map[string]string{"raw": rawMessage(m)}}
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
	Call:        run(needGmailSend, gmailSend),
}

func gmailSend(ctx context.Context, c *client, raw json.RawMessage) (string, error) {
	m, err := composeFrom(raw, true)
	if err != nil {
		return "", err
	}
	var sent sentMessage
	if err := c.postJSON(ctx, gmailMe+"/messages/send", map[string]string{"raw": rawMessage(m)}, &sent); err != nil {
		return "", err
	}
	return fmt.Sprintf("Sent message %s (thread %s)%s with subject %q.\n", sent.ID, sent.ThreadID, toSummary(m), m.subject), nil
}

func composeFrom(raw json.RawMessage, needTo bool) (composed, error) {
	a, err := toolkit.DecodeArgs[composeArgs](raw)
	if err != nil {
		return composed{}, err
	}
	return newComposed(a.To, a.Cc, a.Subject, a.Body, needTo)
}

// rawMessage is the message in the form Gmail's raw field takes: the RFC
// 5322 bytes, base64url-encoded.
func rawMessage(m composed) string {
	return base64.URLEncoding.EncodeToString(m.encode(time.Now()))
}

func toSummary(m composed) string {
	var names []string
	for _, list := range [][]*mail.Address{m.to, m.cc} {
		for _, a := range list {
			names = append(names, a.Address)
		}
	}
	if len(names) == 0 {
		return ""
	}
	return " to " + strings.Join(names, ", ")
}
