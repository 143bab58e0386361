package gcpkms

import (
	"context"
	"errors"
	"fmt"
	"hash/crc32"
	"net"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	kms "cloud.google.com/go/kms/apiv1"
	"cloud.google.com/go/kms/apiv1/kmspb"
	gax "github.com/googleapis/gax-go/v2"
	"google.golang.org/api/option"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/mcpgate/mcpgate/pkg/keyprovider"
)

// DefaultTimeout bounds each call, retries included.
const DefaultTimeout = 10 * time.Second

// defaultBackoff paces retries of Unavailable and ResourceExhausted.
var defaultBackoff = gax.Backoff{Initial: 100 * time.Millisecond, Max: 2 * time.Second, Multiplier: 2}

// wrapVersion starts every wrapped DEK: version || Cloud KMS ciphertext.
const wrapVersion = 1

// integrityAttempts is how often a call whose checksums do not match is
// tried, as Google's data integrity guidelines advise (a limited number).
const integrityAttempts = 3

var keyName = regexp.MustCompile(`^projects/[^/]+/locations/[^/]+/keyRings/[^/]+/cryptoKeys/[^/]+$`)

func init() { keyprovider.Register("gcpkms", openURL) }

// Options configure Open. The zero value talks to cloudkms.googleapis.com
// with application default credentials.
type Options struct {
	// Endpoint overrides the API endpoint (host:port), e.g. a regional or
	// private endpoint.
	Endpoint string
	// Insecure talks plaintext gRPC without credentials to Endpoint, which
	// must be a loopback address: for test servers only.
	Insecure bool
	// Timeout bounds each call, retries included.
	Timeout time.Duration
	// Backoff paces retries of Unavailable and ResourceExhausted; the
	// default starts at 100ms and doubles up to 2s.
	Backoff gax.Backoff
	// ClientOptions are passed to the Cloud KMS client (credentials file,
	// impersonation, ...).
	ClientOptions []option.ClientOption
}

// Provider wraps DEKs with one Cloud KMS symmetric CryptoKey.
type Provider struct {
	client   *kms.KeyManagementClient
	conn     *grpc.ClientConn // owned, when Insecure
	name     string
	endpoint string
	timeout  time.Duration
	backoff  gax.Backoff
	close    sync.Once
	closeErr error
}

var _ keyprovider.Provider = (*Provider)(nil)

func openURL(ctx context.Context, u *url.URL) (keyprovider.Provider, error) {
	name, o, err := ParseURL(u)
	if err != nil {
		return nil, err
	}
	return Open(ctx, name, o)
}

// ParseURL splits gcpkms://projects/P/locations/L/keyRings/R/cryptoKeys/K
// (with ?endpoint=, ?insecure=1, ?timeout=) into a key name and Options.
func ParseURL(u *url.URL) (string, Options, error) {
	var o Options
	if u.User != nil {
		return "", o, errors.New("gcpkms URL must not carry credentials: use application default credentials")
	}
	name := strings.TrimPrefix(u.Host+u.Path, "/")
	if u.Opaque != "" {
		name = u.Opaque
	}
	q := u.Query()
	for k := range q {
		switch k {
		case "endpoint", "insecure", "timeout":
		default:
			return "", o, fmt.Errorf("gcpkms URL: unknown parameter %q (known: endpoint, insecure, timeout)", k)
		}
	}
	o.Endpoint = q.Get("endpoint")
	switch v := q.Get("insecure"); v {
	case "", "0", "false":
	case "1", "true":
		o.Insecure = true
	default:
		return "", o, fmt.Errorf("gcpkms URL: insecure=%q, want 1 or 0", v)
	}
	if t := q.Get("timeout"); t != "" {
		d, err := time.ParseDuration(t)
		if err != nil || d <= 0 {
			return "", o, fmt.Errorf("gcpkms URL: timeout=%q is not a positive duration such as 10s", t)
		}
		o.Timeout = d
	}
	return name, o, nil
}

// Open checks with GetCryptoKey that name is a symmetric encryption key
// whose primary version is enabled, and returns a provider for it.
func Open(ctx context.Context, name string, o Options) (*Provider, error) {
	if strings.Contains(name, "/cryptoKeyVersions/") {
		return nil, fmt.Errorf("open gcpkms key %s: name the CryptoKey, not a version: Cloud KMS encrypts with the primary version and decrypts with whichever version made the ciphertext", name)
	}
	if !keyName.MatchString(name) {
		return nil, fmt.Errorf("open gcpkms key %q: want a key name like projects/P/locations/L/keyRings/R/cryptoKeys/K", name)
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.Backoff == (gax.Backoff{}) {
		o.Backoff = defaultBackoff
	}
	p := &Provider{name: name, endpoint: o.Endpoint, timeout: o.Timeout, backoff: o.Backoff}
	if p.endpoint == "" {
		p.endpoint = "cloudkms.googleapis.com:443"
	}
	opts := o.ClientOptions
	switch {
	case o.Insecure:
		host, _, err := net.SplitHostPort(o.Endpoint)
		if err != nil || !isLoopback(host) {
			return nil, fmt.Errorf("open gcpkms key %s: insecure=1 needs a loopback endpoint (127.0.0.1:PORT), not %q: plaintext without credentials is for local test servers only", name, o.Endpoint)
		}
		if p.conn, err = grpc.NewClient(o.Endpoint, grpc.WithTransportCredentials(insecure.NewCredentials())); err != nil {
			return nil, fmt.Errorf("open gcpkms key %s: dial %s: %w", name, o.Endpoint, err)
		}
		opts = append(opts, option.WithGRPCConn(p.conn))
	case o.Endpoint != "":
		opts = append(opts, option.WithEndpoint(o.Endpoint))
	}
	var err error
	if p.client, err = kms.NewKeyManagementClient(ctx, opts...); err != nil {
		p.Close()
		return nil, fmt.Errorf("open gcpkms key %s: no usable Google credentials: set GOOGLE_APPLICATION_CREDENTIALS, run `gcloud auth application-default login`, or run with an attached service account: %w", name, err)
	}
	if err := p.check(ctx); err != nil {
		p.Close()
		return nil, fmt.Errorf("open gcpkms key %s: %w", name, err)
	}
	return p, nil
}

const notThisKey = "the endpoint is not the Cloud KMS that holds this key, or it is lying about it; mcpgate will not use it"

// check pins the key: GetCryptoKey must answer for the configured name
// (and Wrap checks every Encrypt the same way), and the key must be able
// to wrap DEKs.
func (p *Provider) check(ctx context.Context) error {
	var ck *kmspb.CryptoKey
	err := p.call(ctx, "GetCryptoKey", func(ctx context.Context, retry gax.CallOption) (err error) {
		ck, err = p.client.GetCryptoKey(ctx, &kmspb.GetCryptoKeyRequest{Name: p.name}, retry)
		return err
	})
	switch {
	case err != nil:
		return err
	case ck.GetName() != p.name:
		return fmt.Errorf("Cloud KMS answered for key %s, not the configured one: %s", ck.GetName(), notThisKey)
	case ck.GetPurpose() != kmspb.CryptoKey_ENCRYPT_DECRYPT:
		return fmt.Errorf("key has purpose %s: mcpgate needs a symmetric encryption key (purpose ENCRYPT_DECRYPT)", ck.GetPurpose())
	case ck.GetPrimary() == nil:
		return errors.New("key has no primary version: set one (gcloud kms keys set-primary-version)")
	case !strings.HasPrefix(ck.GetPrimary().GetName(), p.name+"/cryptoKeyVersions/"):
		return fmt.Errorf("Cloud KMS reported primary version %s, not a version of the configured key: %s", ck.GetPrimary().GetName(), notThisKey)
	case ck.GetPrimary().GetState() != kmspb.CryptoKeyVersion_ENABLED:
		return fmt.Errorf("primary version %s is %s: enable it or make an enabled version primary", ck.GetPrimary().GetName(), ck.GetPrimary().GetState())
	}
	return nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// KeyID is "gcpkms:" and the CryptoKey name. It leaves out the version on
// purpose: Cloud KMS rotation adds versions under the same key and old
// ciphertexts keep decrypting, so a rotation inside KMS is not a KEK change
// for mcpgate.
func (p *Provider) KeyID() string { return "gcpkms:" + p.name }

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

func crc(b []byte) int64 { return int64(crc32.Checksum(b, castagnoli)) }

// Close releases the client and its connection; safe to call again.
func (p *Provider) Close() error {
	p.close.Do(func() {
		switch {
		case p.client != nil:
			p.closeErr = p.client.Close() // closes p.conn too
		case p.conn != nil:
			p.closeErr = p.conn.Close()
		}
	})
	return p.closeErr
}
