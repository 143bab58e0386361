package auditfwd

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	neturl "net/url"
	"time"

	"github.com/mcpgate/mcpgate/pkg/webhooksig"
)

// SignatureHeader carries the body's signature (see webhooksig).
const SignatureHeader = webhooksig.Header

// Webhook POSTs each batch as one JSON document (Batch). A 2xx answer
// means received; anything else is retried.
type Webhook struct {
	name   string
	url    string
	host   string // for errors: the URL without path or query
	secret []byte
	client *http.Client
}

// NewWebhook returns a sink named name posting to url, signing with
// secret (which it keeps; the caller reads it from a file).
func NewWebhook(name, rawURL string, secret []byte, timeout time.Duration) *Webhook {
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	host := "(unparsable URL)"
	if u, err := neturl.Parse(rawURL); err == nil {
		host = u.Host
	}
	return &Webhook{name: name, url: rawURL, host: host, secret: secret, client: &http.Client{Timeout: timeout}}
}

// Name is the sink's name.
func (w *Webhook) Name() string { return w.name }

// Sign is the SignatureHeader value for body under key.
func Sign(key, body []byte) string { return webhooksig.Sign(key, body) }

// Send posts the batch.
func (w *Webhook) Send(ctx context.Context, b Batch) error {
	body, err := json.Marshal(b)
	if err != nil {
		return fmt.Errorf("encode batch: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.url, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("post to webhook: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(SignatureHeader, Sign(w.secret, body))
	resp, err := w.client.Do(req)
	if err != nil {
		// Not the *url.Error itself: it names the URL, whose query may
		// hold the receiver's token.
		var ue *neturl.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Errorf("post to webhook %s: %w", w.host, err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("post to webhook: it answered %s", resp.Status)
	}
	return nil
}

// Close releases idle connections.
func (w *Webhook) Close() error {
	w.client.CloseIdleConnections()
	return nil
}

var _ Sink = (*Webhook)(nil)
