package slack

import (
	"context"
	"fmt"

	"github.com/mcpgate/mcpgate/pkg/connector"
	"github.com/mcpgate/mcpgate/pkg/connector/toolkit"
)

var postMessageTool = connector.Tool{
	Name: "post_message",
	Description: "Post a message to a Slack channel as the connected app or user. The app must be a member of the channel. " +
		"Returns the new message's ts, which reply_in_thread takes to start a thread under it.",
	InputSchema: toolkit.Object([]string{"channel", "text"}, channelProp, textProp),
	Content:     []string{"text"},
	Prepare:     toolkit.Prepare(newClient, postMessage),
}

type postMessageArgs struct {
	Channel string `json:"channel"`
	Text    string `json:"text"`
}

func (a *postMessageArgs) Normalise() error {
	if err := normChannel(&a.Channel); err != nil {
		return err
	}
	_, err := textArg(a.Text)
	return err
}

func postMessage(ctx context.Context, c *client, a postMessageArgs) (string, error) {
	return post(ctx, c, postMessageRequest{Channel: a.Channel, Text: a.Text})
}

var replyInThreadTool = connector.Tool{
	Name: "reply_in_thread",
	Description: "Reply in a Slack thread: posts text under the message whose ts is thread_ts (the thread's first message). " +
		"With also_send_to_channel the reply is shown in the channel too.",
	InputSchema: toolkit.Object([]string{"channel", "thread_ts", "text"},
		channelProp,
		toolkit.String("thread_ts", "Timestamp of the thread's first message, e.g. 1712345678.123456 (channel_history shows it)."),
		textProp,
		toolkit.Boolean("also_send_to_channel", "Also show the reply in the channel (Slack's \"also send to #channel\"); default false."),
	),
	Content: []string{"text"},
	Prepare: toolkit.Prepare(newClient, replyInThread),
}

type replyInThreadArgs struct {
	postMessageArgs
	ThreadTS  string `json:"thread_ts"`
	Broadcast bool   `json:"also_send_to_channel"`
}

func (a *replyInThreadArgs) Normalise() error {
	if err := a.postMessageArgs.Normalise(); err != nil {
		return err
	}
	var err error
	a.ThreadTS, err = tsArg("thread_ts", a.ThreadTS, true)
	return err
}

func replyInThread(ctx context.Context, c *client, a replyInThreadArgs) (string, error) {
	return post(ctx, c, postMessageRequest{Channel: a.Channel, Text: a.Text, ThreadTS: a.ThreadTS, ReplyBroadcast: a.Broadcast})
}

// post sends chat.postMessage with a normalised channel. A channel name is
// passed as "#name", which chat.postMessage accepts, so posting costs one
// request.
func post(ctx context.Context, c *client, req postMessageRequest) (string, error) {
	if !channelID.MatchString(req.Channel) {
		req.Channel = "#" + req.Channel
	}
	var out postMessageResponse
	if err := c.callJSON(ctx, "chat.postMessage", req, &out); err != nil {
		return "", err
	}
	if out.TS == "" {
		return "", &callError{msg: "unexpected response from Slack: chat.postMessage answered ok without the message's ts; check the channel before posting again"}
	}
	if req.ThreadTS != "" {
		return fmt.Sprintf("Replied in thread %s of channel %s: ts %s (%s).\n", req.ThreadTS, out.Channel, out.TS, tsTime(out.TS)), nil
	}
	return fmt.Sprintf("Posted to channel %s: ts %s (%s). Reply under it with reply_in_thread thread_ts=%s.\n", out.Channel, out.TS, tsTime(out.TS), out.TS), nil
}
