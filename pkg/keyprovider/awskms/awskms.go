package awskms

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/mcpgate/mcpgate/pkg/keyprovider"
)

// Defaults for Options.
const (
	DefaultTimeout     = 10 * time.Second
	DefaultMaxAttempts = 5
	DefaultMaxBackoff  = 2 * time.Second
)

// ContextKey is the EncryptionContext key that carries the AAD.
const ContextKey = "mcpgate_aad"

// wrapVersion starts every wrapped DEK: version || KMS ciphertext blob.
const wrapVersion = 1

// maxPlaintext is the most KMS Encrypt accepts.
const maxPlaintext = 4096

func init() { keyprovider.Register("awskms", openURL) }

// Options configure Open. The zero value uses the standard AWS credential
// chain and region resolution.
type Options struct {
	// Region overrides AWS_REGION and the shared config. A key ARN names
	// its own region, which is used when Region is empty.
	Region string
	// Endpoint overrides the KMS endpoint (a VPC endpoint, FIPS endpoint,
	// or a test fake). It must be https unless it is a loopback address.
	Endpoint string
	// Credentials replaces the standard chain when set (tests, embedding).
	Credentials aws.CredentialsProvider
	// Timeout bounds each Wrap or Unwrap, retries included.
	Timeout time.Duration
	// MaxAttempts and MaxBackoff tune the SDK's standard retryer, which
	// retries throttling and transient errors with jittered backoff.
	MaxAttempts int
	MaxBackoff  time.Duration
}

// Provider wraps DEKs with one AWS KMS symmetric encryption key.
type Provider struct {
	client   *kms.Client
	arn      string // resolved key ARN; every call names it
	region   string
	endpoint string // for messages
	timeout  time.Duration
}

var _ keyprovider.Provider = (*Provider)(nil)

func openURL(ctx context.Context, u *url.URL) (keyprovider.Provider, error) {
	keyID, o, err := ParseURL(u)
	if err != nil {
		return nil, err
	}
	return Open(ctx, keyID, o)
}

// ParseURL splits awskms://alias/NAME, awskms://KEY-ID or
// awskms:///arn:aws:kms:... (with ?region=, ?endpoint=, ?timeout=) into a
// key id and Options.
func ParseURL(u *url.URL) (string, Options, error) {
	var o Options
	if u.User != nil {
		return "", o, errors.New("awskms URL must not carry credentials: use the AWS credential chain (environment, shared config, instance role)")
	}
	keyID := u.Opaque
	if keyID == "" {
		keyID = strings.TrimPrefix(u.Host+u.Path, "/")
	}
	if keyID == "" {
		return "", o, errors.New("awskms URL names no key: use awskms://alias/NAME, awskms://KEY-ID or awskms:///arn:aws:kms:REGION:ACCOUNT:key/KEY-ID")
	}
	q := u.Query()
	for k := range q {
		switch k {
		case "region", "endpoint", "timeout":
		default:
			return "", o, fmt.Errorf("awskms URL: unknown parameter %q (known: region, endpoint, timeout)", k)
		}
	}
	o.Region, o.Endpoint = q.Get("region"), q.Get("endpoint")
	if t := q.Get("timeout"); t != "" {
		d, err := time.ParseDuration(t)
		if err != nil || d <= 0 {
			return "", o, fmt.Errorf("awskms URL: timeout=%q is not a positive duration such as 10s", t)
		}
		o.Timeout = d
	}
	return keyID, o, nil
}

// Open checks with DescribeKey that keyID (key id, key ARN, alias name or
// alias ARN) is an enabled symmetric encryption key, and returns a provider
// bound to the key's ARN. An alias is resolved once, here: if the alias is
// later moved to another key, this provider keeps using the key it
// resolved, and a newly opened one reports a different KeyID.
func Open(ctx context.Context, keyID string, o Options) (*Provider, error) {
	if keyID == "" {
		return nil, errors.New("open awskms: no key id")
	}
	if err := fillDefaults(keyID, &o); err != nil {
		return nil, fmt.Errorf("open awskms key %s: %w", keyID, err)
	}
	load := []func(*config.LoadOptions) error{
		config.WithRetryer(func() aws.Retryer {
			return retry.NewStandard(func(so *retry.StandardOptions) {
				so.MaxAttempts, so.MaxBackoff = o.MaxAttempts, o.MaxBackoff
			})
		}),
	}
	if o.Region != "" {
		load = append(load, config.WithRegion(o.Region))
	}
	if o.Credentials != nil {
		load = append(load, config.WithCredentialsProvider(o.Credentials))
	}
	cfg, err := config.LoadDefaultConfig(ctx, load...)
	if err != nil {
		return nil, fmt.Errorf("open awskms key %s: load AWS configuration: %w", keyID, err)
	}
	if cfg.Region == "" {
		return nil, fmt.Errorf("open awskms key %s: no AWS region: add ?region=REGION to the key provider URL or set AWS_REGION", keyID)
	}
	p := &Provider{region: cfg.Region, endpoint: o.Endpoint, timeout: o.Timeout}
	if p.endpoint == "" {
		p.endpoint = "https://kms." + cfg.Region + ".amazonaws.com"
	}
	p.client = kms.NewFromConfig(cfg, func(ko *kms.Options) {
		if o.Endpoint != "" {
			ko.BaseEndpoint = aws.String(o.Endpoint)
		}
	})
	var out *kms.DescribeKeyOutput
	err = p.call(ctx, "DescribeKey", keyID, func(ctx context.Context) (err error) {
		out, err = p.client.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(keyID)})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("open awskms key %s: %w", keyID, err)
	}
	if err := usable(out.KeyMetadata); err != nil {
		return nil, fmt.Errorf("open awskms key %s: %w", keyID, err)
	}
	p.arn = aws.ToString(out.KeyMetadata.Arn)
	if err := names(keyID, p.arn); err != nil {
		return nil, fmt.Errorf("open awskms key %s: %w", keyID, err)
	}
	return p, nil
}

// keyARN is the shape of a KMS key ARN: arn:PARTITION:kms:REGION:ACCOUNT:key/ID.
var keyARN = regexp.MustCompile(`^arn:[a-z-]+:kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]+$`)

// names checks that the ARN DescribeKey reported is the key that was
// asked for: the same ARN, or the ARN of the same key id. An alias names
// whichever key it points at now, so only the ARN's shape is checked; the
// ARN is then pinned, and every Encrypt and Decrypt must report it.
func names(asked, arn string) error {
	if !keyARN.MatchString(arn) {
		return fmt.Errorf("describe key: KMS reported %q, which is not a key ARN", arn)
	}
	isAlias := strings.HasPrefix(asked, "alias/") || strings.Contains(asked, ":alias/")
	switch {
	case isAlias:
		return nil
	case strings.HasPrefix(asked, "arn:") && asked != arn,
		!strings.HasPrefix(asked, "arn:") && !strings.HasSuffix(arn, ":key/"+asked):
		return fmt.Errorf("describe key: KMS reported key %s, not the configured %s: the endpoint is not the KMS that holds this key, or it is lying about it; mcpgate will not use it", arn, asked)
	}
	return nil
}

func fillDefaults(keyID string, o *Options) error {
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = DefaultMaxAttempts
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = DefaultMaxBackoff
	}
	if r := arnRegion(keyID); r != "" {
		if o.Region != "" && o.Region != r {
			return fmt.Errorf("the key ARN is in region %s but region=%s was asked for: drop ?region= or fix it", r, o.Region)
		}
		o.Region = r
	}
	if o.Endpoint != "" {
		u, err := url.Parse(o.Endpoint)
		if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
			return fmt.Errorf("endpoint %q is not an http(s) URL", o.Endpoint)
		}
		if u.Scheme == "http" && !isLoopback(u.Hostname()) {
			return fmt.Errorf("endpoint %s is plain http: DEKs would cross the network unencrypted; use https (plain http is allowed for loopback test servers only)", o.Endpoint)
		}
	}
	return nil
}

// arnRegion is the region field of a KMS key or alias ARN, or "".
func arnRegion(id string) string {
	parts := strings.SplitN(id, ":", 6)
	if len(parts) == 6 && parts[0] == "arn" && parts[2] == "kms" {
		return parts[3]
	}
	return ""
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// usable refuses keys that cannot wrap DEKs, naming the fix.
func usable(md *types.KeyMetadata) error {
	switch {
	case md == nil || md.Arn == nil:
		return errors.New("describe key: no key metadata in the response")
	case md.KeyState == types.KeyStatePendingDeletion:
		return fmt.Errorf("key %s is pending deletion: cancel the deletion (aws kms cancel-key-deletion) or every credential it protects will be lost", *md.Arn)
	case !md.Enabled || md.KeyState != types.KeyStateEnabled:
		return fmt.Errorf("key %s is %s, not Enabled: enable it (aws kms enable-key) or point key_provider at the key in use", *md.Arn, md.KeyState)
	case md.KeyUsage != types.KeyUsageTypeEncryptDecrypt || md.KeySpec != types.KeySpecSymmetricDefault:
		return fmt.Errorf("key %s has usage %s and spec %s: mcpgate needs a symmetric encryption key (ENCRYPT_DECRYPT, SYMMETRIC_DEFAULT)", *md.Arn, md.KeyUsage, md.KeySpec)
	}
	return nil
}

// KeyID is "awskms:" and the key ARN (never an alias, so a moved alias
// shows as another KEK).
func (p *Provider) KeyID() string { return "awskms:" + p.arn }

// Wrap encrypts dek under the key with aad bound as EncryptionContext.
func (p *Provider) Wrap(ctx context.Context, dek, aad []byte) ([]byte, error) {
	if len(dek) == 0 || len(dek) > maxPlaintext {
		return nil, fmt.Errorf("awskms wrap: DEK is %d bytes, want 1 to %d", len(dek), maxPlaintext)
	}
	var out *kms.EncryptOutput
	err := p.call(ctx, "Encrypt", p.arn, func(ctx context.Context) (err error) {
		out, err = p.client.Encrypt(ctx, &kms.EncryptInput{
			KeyId: aws.String(p.arn), Plaintext: dek, EncryptionContext: EncryptionContext(aad),
		})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("awskms wrap: %w", err)
	}
	if got := aws.ToString(out.KeyId); got != p.arn {
		return nil, fmt.Errorf("awskms wrap: KMS encrypted under %s, not the configured %s", got, p.arn)
	}
	return append([]byte{wrapVersion}, out.CiphertextBlob...), nil
}

// Unwrap decrypts wrapped with the same key and EncryptionContext.
func (p *Provider) Unwrap(ctx context.Context, wrapped, aad []byte) ([]byte, error) {
	if len(wrapped) < 2 || wrapped[0] != wrapVersion {
		return nil, keyprovider.ErrWrongKey
	}
	var out *kms.DecryptOutput
	err := p.call(ctx, "Decrypt", p.arn, func(ctx context.Context) (err error) {
		out, err = p.client.Decrypt(ctx, &kms.DecryptInput{
			KeyId: aws.String(p.arn), CiphertextBlob: wrapped[1:], EncryptionContext: EncryptionContext(aad),
		})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("awskms unwrap: %w", err)
	}
	if got := aws.ToString(out.KeyId); got != p.arn {
		return nil, fmt.Errorf("awskms unwrap: KMS decrypted with %s, not %s: %w", got, p.arn, keyprovider.ErrWrongKey)
	}
	return out.Plaintext, nil
}

// Close implements keyprovider.Provider; the SDK client holds nothing that
// needs releasing.
func (p *Provider) Close() error { return nil }

// EncryptionContext is the context Wrap and Unwrap send for aad:
// {"mcpgate_aad": base64(aad)} with standard, padded base64 (one encoding
// per aad, readable in CloudTrail with base64 -d), or no context at all for
// an empty aad, so no empty value is ever sent. Exported so an operator can
// reproduce it with the aws CLI.
func EncryptionContext(aad []byte) map[string]string {
	if len(aad) == 0 {
		return nil
	}
	return map[string]string{ContextKey: base64.StdEncoding.EncodeToString(aad)}
}
