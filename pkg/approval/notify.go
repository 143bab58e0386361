package approval

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"text/template"
	"time"

	"github.com/mcpgate/mcpgate/pkg/secret"
	"github.com/mcpgate/mcpgate/pkg/webhooksig"
)

// SignatureHeader carries the body's signature (see webhooksig).
const SignatureHeader = webhooksig.Header

// Notification is what a person is told of a new approval; it is the
// webhook's JSON body, or what its template is run over.
type Notification struct {
	ID         string          `json:"id"`
	URL        string          `json:"url,omitempty"` // the approval page
	User       string          `json:"user"`
	Key        string          `json:"key"`
	Tool       string          `json:"tool"`
	Rule       string          `json:"rule"`
	Arguments  json.RawMessage `json:"arguments"` // content fields as hash and length
	ArgsSHA256 string          `json:"args_sha256"`
	CreatedAt  time.Time       `json:"created_at"`
	ExpiresAt  time.Time       `json:"expires_at"`
}

// Webhook POSTs each notification to one URL, signed. It is safe for
// concurrent use.
type Webhook struct {
	url    string
	secret secret.Value
	tmpl   *template.Template
	http   *http.Client
}

// NewWebhook returns a Webhook; tmpl "" sends the Notification as JSON.
// The secret signs every body.
func NewWebhook(url string, key secret.Value, tmpl string, client *http.Client) (*Webhook, error) {
	if key.IsZero() {
		return nil, errors.New("approval webhook: the secret is empty")
	}
	w := &Webhook{url: url, secret: key, http: client}
	if w.http == nil {
		w.http = &http.Client{Timeout: 10 * time.Second}
	}
	if tmpl != "" {
		t, err := template.New("webhook").Option("missingkey=error").Funcs(template.FuncMap{"json": jsonString}).Parse(tmpl)
		if err != nil {
			return nil, fmt.Errorf("approvals.webhook.template: %w", err)
		}
		w.tmpl = t
	}
	return w, nil
}

// jsonString quotes v as JSON, for templates that build a JSON body.
func jsonString(v any) (string, error) {
	if raw, ok := v.(json.RawMessage); ok {
		v = string(raw)
	}
	b, err := json.Marshal(v)
	return string(b), err
}

// Body is the request body for n.
func (w *Webhook) Body(n Notification) ([]byte, string, error) {
	if w.tmpl == nil {
		b, err := json.Marshal(n)
		return b, "application/json", err
	}
	var buf bytes.Buffer
	if err := w.tmpl.Execute(&buf, n); err != nil {
		return nil, "", fmt.Errorf("approvals.webhook.template: %w", err)
	}
	if json.Valid(buf.Bytes()) {
		return buf.Bytes(), "application/json", nil
	}
	return buf.Bytes(), "text/plain; charset=utf-8", nil
}

// Sign is the SignatureHeader value for body under key.
func Sign(key, body []byte) string { return webhooksig.Sign(key, body) }

// DeliveryError is a notification that did not arrive. Retry says
// whether trying again may help (the receiver could not be reached, or
// answered 5xx or 429); After is how long the receiver asked to be left
// alone (its Retry-After), 0 if it did not say.
type DeliveryError struct {
	Retry bool
	After time.Duration
	msg   string
}

func (e *DeliveryError) Error() string { return e.msg }

// Notify implements Notifier. Its errors are *DeliveryError.
func (w *Webhook) Notify(ctx context.Context, n Notification) error {
	body, ctype, err := w.Body(n)
	if err != nil {
		return &DeliveryError{msg: err.Error()}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.url, bytes.NewReader(body))
	if err != nil {
		return &DeliveryError{msg: "approval webhook: the URL is not usable"}
	}
	req.Header.Set("Content-Type", ctype)
	req.Header.Set(SignatureHeader, Sign(w.secret.Bytes(), body))
	req.Header.Set("User-Agent", "mcpgate-approvals")
	resp, err := w.http.Do(req)
	if err != nil {
		// The URL may hold a token (Slack's does): say only what failed.
		return &DeliveryError{Retry: true, msg: "approval webhook: the request failed"}
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode/100 == 2 {
		return nil
	}
	e := &DeliveryError{msg: fmt.Sprintf("approval webhook: the receiver answered %d", resp.StatusCode)}
	if resp.StatusCode/100 == 5 || resp.StatusCode == http.StatusTooManyRequests {
		e.Retry, e.After = true, retryAfter(resp.Header.Get("Retry-After"), time.Now())
	}
	return e
}

// retryAfter reads a Retry-After header, seconds or an HTTP date, as a
// wait from now; 0 if it is absent, malformed or in the past.
func retryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseUint(v, 10, 32); err == nil {
		return time.Duration(secs) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

var _ Notifier = (*Webhook)(nil)
